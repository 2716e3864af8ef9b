package io.opendatahub.mlflow.webhook.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.admission.AdmissionResponse;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.admission.Finding;
import io.opendatahub.mlflow.webhook.admission.NamespaceFacts.KnownNamespace;
import io.opendatahub.mlflow.webhook.admission.StaticNamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.policy.PolicyException;
import io.opendatahub.mlflow.webhook.policy.PolicyLoader;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import tools.jackson.databind.node.ObjectNode;

/**
 * What the rule tables share: the shipped policy on a cluster with a production workspace
 * ({@code fraud-models}) and a development one ({@code sandbox}), fixtures edited per row, and
 * findings as {@code rule:action}.
 */
final class MLflowRuleCases {

  /** Labels that select only the development workspace. */
  static final Map<String, String> DEVELOPMENT = Map.of("team", "data-science");
  static final AdmissionService SERVICE = new AdmissionService(List.of(new MLflowAdmission()));

  private MLflowRuleCases() {}

  static DecisionContext cluster() {
    Policy policy = TestPolicies.shipped();
    return new DecisionContext(policy, new StaticNamespaceFacts(List.of(
        new KnownNamespace("redhat-ods-applications", Map.of()),
        new KnownNamespace("fraud-models", Map.of("mlflow-policy.io/environment", "production")),
        new KnownNamespace("sandbox", DEVELOPMENT))));
  }

  /**
   * A cluster where every namespace is production and every MLflow rule has {@code action}
   * ({@code deny}, {@code warn} or {@code audit}), from a policy written into {@code dir}.
   */
  static DecisionContext everyRule(Path dir, String action) {
    try {
      Policy policy = new PolicyLoader().load(TestPolicies.write(dir, action + ".yaml", """
          apiVersion: policy.mlflow-webhook.io/v1alpha1
          kind: MLflowPolicy
          metadata: {name: every-rule-%1$s}
          spec:
            environments:
              - {name: production, default: true}
            mlflow:
              environments:
                production:
                  action: %1$s
          """.formatted(action)));
      return new DecisionContext(policy, StaticNamespaceFacts.fromPolicy(policy));
    } catch (PolicyException e) {
      throw new IllegalStateException(e);
    }
  }

  static Consumer<ObjectNode> none() {
    return spec -> { };
  }

  /** The fixture after {@code edit}, serving the namespaces labelled {@code served} (null: all). */
  static ObjectNode cr(String fixture, Consumer<ObjectNode> edit, Map<String, String> served) {
    ObjectNode cr = Fixtures.mlflow(fixture);
    ObjectNode spec = (ObjectNode) cr.get("spec");
    edit.accept(spec);
    if (served != null) {
      spec.putObject("workspaceLabelSelector").putPOJO("matchLabels", served);
    }
    return cr;
  }

  /** Each finding as {@code rule:action}, after checking the verdict agrees with them. */
  static List<String> rules(AdmissionResponse response) {
    List<Finding> findings = response.findings();
    assertThat(response.allowed())
        .isEqualTo(findings.stream().noneMatch(f -> f.action().wireName().equals("deny")));
    return findings.stream().map(f -> f.rule() + ":" + f.action().wireName()).toList();
  }
}
