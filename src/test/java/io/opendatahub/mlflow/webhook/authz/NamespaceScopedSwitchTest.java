package io.opendatahub.mlflow.webhook.authz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opendatahub.mlflow.webhook.admission.NamespaceFacts;
import io.opendatahub.mlflow.webhook.admission.NamespaceFacts.KnownNamespace;
import io.opendatahub.mlflow.webhook.admission.StaticNamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.AuthorizationPolicy;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.policy.PolicyException;
import io.opendatahub.mlflow.webhook.policy.PolicyLoader;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code disabled[].except}: the AI Gateway off everywhere except namespaces labelled for it.
 * Only a namespace known to carry the label opts in; anything uncertain stays off.
 */
class NamespaceScopedSwitchTest {

  private static final String POLICY = """
      apiVersion: policy.mlflow-webhook.io/v1alpha1
      kind: MLflowPolicy
      metadata: {name: scoped}
      spec:
        environments:
          - name: development
            default: true
        authorization:
          disabled:
            - resources: [gatewayendpoints, gatewaysecrets]
              reason: AI Gateway is enabled only where labelled
              except:
                namespaceSelector:
                  matchLabels: {mlflow-policy.io/ai-gateway: enabled}
            - resources: [gatewaymodeldefinitions]
              reason: model definitions are off everywhere
      """;

  @TempDir Path dir;

  private final NamespaceFacts facts = new StaticNamespaceFacts(List.of(
      new KnownNamespace("gateway-team", Map.of("mlflow-policy.io/ai-gateway", "enabled")),
      new KnownNamespace("plain-team", Map.of()),
      new KnownNamespace("other-value", Map.of("mlflow-policy.io/ai-gateway", "disabled"))));

  private AuthorizationPolicy policy() throws PolicyException {
    return new PolicyLoader().load(TestPolicies.write(dir, "policy.yaml", POLICY))
        .authorization();
  }

  private static ResourceAttributes asked(String namespace, String resource, String subresource) {
    return new ResourceAttributes(namespace, "create", AuthorizationPolicy.MLFLOW_GROUP, "",
        resource, subresource, "");
  }

  @Test
  void aLabelledNamespaceKeepsTheFeatureOnAndRbacDecides() throws Exception {
    assertThat(PolicyOverlay.decide(asked("gateway-team", "gatewayendpoints", "use"), policy(),
        facts)).isEmpty();
    assertThat(PolicyOverlay.decide(asked("gateway-team", "gatewaysecrets", ""), policy(),
        facts)).isEmpty();
  }

  @Test
  void everyOtherNamespaceIsDeniedWithThePolicysReasonNamingWhy() throws Exception {
    AccessDecision plain = PolicyOverlay.decide(asked("plain-team", "gatewayendpoints", "use"),
        policy(), facts).orElseThrow();
    assertThat(plain.denied()).isTrue();
    assertThat(plain.allowed()).isFalse();
    assertThat(plain.reason()).startsWith("AI Gateway is enabled only where labelled")
        .contains("namespace 'plain-team' is not selected");
    assertThat(PolicyOverlay.decide(asked("other-value", "gatewayendpoints", ""), policy(),
        facts).orElseThrow().denied()).isTrue();
  }

  @Test
  void anEntryWithoutExceptStaysOffEvenInTheLabelledNamespace() throws Exception {
    AccessDecision decision = PolicyOverlay.decide(asked("gateway-team", "gatewaymodeldefinitions",
        ""), policy(), facts).orElseThrow();
    assertThat(decision.denied()).isTrue();
    assertThat(decision.reason()).startsWith("model definitions are off everywhere");
  }

  @Test
  void unknownNamespacesUnsyncedFactsAndAllNamespaceQuestionsReadAsNotSelected()
      throws Exception {
    AccessDecision unknown = PolicyOverlay.decide(asked("nobody-knows", "gatewayendpoints", ""),
        policy(), facts).orElseThrow();
    assertThat(unknown.denied()).isTrue();
    assertThat(unknown.reason()).contains("namespace 'nobody-knows' is not known");

    AccessDecision allNamespaces = PolicyOverlay.decide(asked("", "gatewayendpoints", ""),
        policy(), facts).orElseThrow();
    assertThat(allNamespaces.denied()).isTrue();
    assertThat(allNamespaces.reason()).contains("covers all namespaces");

    // Labels are there, but the cache has not completed its first list: still closed.
    NamespaceFacts unsynced = PolicyOverlay.NO_NAMESPACES;
    AccessDecision notSynced = PolicyOverlay.decide(asked("gateway-team", "gatewayendpoints", ""),
        policy(), unsynced).orElseThrow();
    assertThat(notSynced.denied()).isTrue();
    assertThat(notSynced.reason()).contains("has not synced");
  }

  @Test
  void aWildcardQuestionInALabelledNamespaceIsNotDeniedByTheScopedEntryButByTheOther()
      throws Exception {
    // "*" covers gatewaymodeldefinitions too, which is off everywhere.
    assertThat(PolicyOverlay.decide(asked("gateway-team", "*", ""), policy(), facts)
        .orElseThrow().reason()).startsWith("model definitions are off everywhere");
  }

  @Test
  void anEmptySelectorIsRefusedAtLoadNamingTheField() {
    String empty = POLICY.replace("matchLabels: {mlflow-policy.io/ai-gateway: enabled}",
        "matchLabels: {}");
    assertThat(empty).contains("matchLabels: {}");
    Path file = TestPolicies.write(dir, "policy.yaml", empty);
    assertThatThrownBy(() -> new PolicyLoader().load(file))
        .isInstanceOf(PolicyException.class)
        .hasMessageContaining("except")
        .hasMessageContaining("matches every namespace");
  }

  @Test
  void anExceptWithoutSelectorIsRefusedAtLoad() {
    String missing = POLICY.replace("except:\n          namespaceSelector:\n"
        + "            matchLabels: {mlflow-policy.io/ai-gateway: enabled}", "except: {}");
    assertThat(missing).contains("except: {}");
    Path file = TestPolicies.write(dir, "policy.yaml", missing);
    assertThatThrownBy(() -> new PolicyLoader().load(file))
        .isInstanceOf(PolicyException.class)
        .hasMessageContaining("namespaceSelector");
  }

  @Test
  void theShippedExampleLoads() throws Exception {
    Policy example = new PolicyLoader().load(Path.of("policies/examples/ai-gateway-by-namespace.yaml"));
    assertThat(example.authorization().disabled()).anySatisfy(entry ->
        assertThat(entry.except()).isNotNull());
  }

  /**
   * /authorize asks the overlay before its cache on every question: RBAC allows everything here
   * and its allow is cached, yet removing the label denies the next question at once.
   */
  @Test
  void authorizeFollowsLabelChangesAheadOfItsDecisionCache() throws Exception {
    io.opendatahub.mlflow.webhook.testing.ChangingNamespaces namespaces =
        new io.opendatahub.mlflow.webhook.testing.ChangingNamespaces()
            .put("team-a", Map.of("mlflow-policy.io/ai-gateway", "enabled"));
    java.util.concurrent.atomic.AtomicInteger reviews =
        new java.util.concurrent.atomic.AtomicInteger();
    AccessReviewer everythingAllowed = new AccessReviewer() {
      @Override
      public java.util.concurrent.CompletableFuture<Optional<Identity>> authenticate(
          String token) {
        return java.util.concurrent.CompletableFuture.completedFuture(
            Optional.of(new Identity("alice", "", List.of(), Map.of())));
      }

      @Override
      public java.util.concurrent.CompletableFuture<AccessDecision> review(Identity identity,
          ResourceAttributes attributes) {
        reviews.incrementAndGet();
        return java.util.concurrent.CompletableFuture.completedFuture(
            new AccessDecision(true, false, "RBAC allows", null, AccessDecision.Source.KUBERNETES));
      }
    };
    Policy policy = new PolicyLoader().load(TestPolicies.write(dir, "policy.yaml", POLICY));
    AuthorizationService service = new AuthorizationService(() -> policy, namespaces,
        everythingAllowed, AuthorizationService.Listener.NONE);
    ResourceAttributes gateway = asked("team-a", "gatewayendpoints", "use");
    BearerToken token = BearerToken.of("alice-token-0123456789");

    assertThat(service.authorizeSelf(gateway, token).get().decision().allowed()).isTrue();
    assertThat(service.authorizeSelf(gateway, token).get().decision().source())
        .isEqualTo(AccessDecision.Source.CACHE);

    namespaces.put("team-a", Map.of());
    AccessDecision after = service.authorizeSelf(gateway, token).get().decision();
    assertThat(after.allowed()).isFalse();
    assertThat(after.denied()).isTrue();
    assertThat(after.reason()).contains("namespace 'team-a' is not selected");

    namespaces.put("team-a", Map.of("mlflow-policy.io/ai-gateway", "enabled"));
    assertThat(service.authorizeSelf(gateway, token).get().decision().allowed()).isTrue();
    assertThat(reviews).hasValue(1);
  }
}
