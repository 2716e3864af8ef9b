package io.opendatahub.mlflow.webhook.authz;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.policy.AuthorizationPolicy;
import io.opendatahub.mlflow.webhook.policy.AuthorizationPolicy.DisabledResources;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The overlay reads a question as the RBAC authorizer would: no rewording of a disabled feature
 * (subresource in the resource field, other case, wildcards) gets past it to RBAC, where a
 * wildcard rule would allow it.
 */
class PolicyOverlayTest {

  /** Gateway endpoints' use switched off; gateway secrets switched off entirely. */
  private static final AuthorizationPolicy POLICY = new AuthorizationPolicy(List.of(
      new DisabledResources(List.of("gatewayendpoints/use", "gatewaysecrets"), "switched off")),
      null, null, null, null, null, null);

  private static Optional<AccessDecision> decide(String verb, String resource,
      String subresource) {
    return PolicyOverlay.decide(new ResourceAttributes("team-a", verb, "mlflow.kubeflow.org", "",
        resource, subresource, ""), POLICY, PolicyOverlay.NO_NAMESPACES);
  }

  @ParameterizedTest(name = "{0} {1}/{2} is denied")
  @CsvSource({
      "create, gatewayendpoints, use",
      "create, gatewayendpoints/use, ''",
      "create, GatewayEndpoints, Use",
      "create, GATEWAYENDPOINTS/USE, ''",
      "create, gatewayendpoints, *",
      "create, gatewayendpoints/*, ''",
      "create, *, use",
      "create, *, ''",
      "*, *, *",
      "get, gatewaysecrets, ''",
      "get, GatewaySecrets, ''",
      "get, gatewaysecrets, anything",
      "get, gatewaysecrets/anything, ''",
      "*, gatewaysecrets, *",
  })
  void everyRewordingOfADisabledFeatureIsDenied(String verb, String resource,
      String subresource) {
    Optional<AccessDecision> decision = decide(verb, resource, subresource);

    assertThat(decision).isPresent();
    assertThat(decision.get().allowed()).isFalse();
    assertThat(decision.get().denied()).isTrue();
    assertThat(decision.get().reason()).startsWith("switched off");
  }

  @ParameterizedTest(name = "{0} {1}/{2} goes to RBAC")
  @CsvSource({
      "get, gatewayendpoints, ''",
      "*, gatewayendpoints, ''",
      "create, gatewayendpoints, other",
      "get, experiments, ''",
      "*, experiments, *",
      "get, experiments/use, ''",
  })
  void questionsThatCannotReachADisabledFeatureGoToRbac(String verb, String resource,
      String subresource) {
    assertThat(decide(verb, resource, subresource)).isEmpty();
  }
}
