package io.opendatahub.mlflow.webhook.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.admission.AdmissionResponse;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.admission.NamespaceFacts.KnownNamespace;
import io.opendatahub.mlflow.webhook.admission.StaticNamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.policy.PolicyException;
import io.opendatahub.mlflow.webhook.policy.PolicyLoader;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/** examples/strict-production.yaml: both of its environments can apply to the MLflow CR. */
class StrictProductionExampleTest {

  private final AdmissionService service = new AdmissionService(List.of(new MLflowAdmission()));
  private final DecisionContext cluster = strictProduction(
      new KnownNamespace("fraud-models", Map.of()),
      new KnownNamespace("playground", Map.of("mlflow-policy.io/environment", "sandbox")));

  /** The example, in a cluster of its deployment namespace and {@code workspaces}. */
  static DecisionContext strictProduction(KnownNamespace... workspaces) {
    Policy policy;
    try {
      policy = new PolicyLoader().load(Path.of("policies/examples/strict-production.yaml"));
    } catch (PolicyException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
    List<KnownNamespace> namespaces = new ArrayList<>(List.of(workspaces));
    namespaces.add(new KnownNamespace(policy.mlflow().deploymentNamespace(), Map.of()));
    return new DecisionContext(policy, new StaticNamespaceFacts(namespaces));
  }

  private AdmissionResponse validate(Map<String, String> served) {
    ObjectNode cr = Fixtures.mlflow("sqlite-dev.yaml");
    if (served != null) {
      ((ObjectNode) cr.get("spec")).putObject("workspaceLabelSelector")
          .putPOJO("matchLabels", served);
    }
    return service.validate(Fixtures.mlflowReview(cr).request(), cluster);
  }

  @Test
  void anInstanceServingOnlySandboxWorkspacesIsASandbox() {
    AdmissionResponse response = validate(Map.of("mlflow-policy.io/environment", "sandbox"));

    assertThat(response.allowed()).as(String.valueOf(response.message())).isTrue();
  }

  @Test
  void anInstanceServingEveryWorkspaceIsProduction() {
    AdmissionResponse response = validate(null);

    assertThat(response.allowed()).isFalse();
    assertThat(response.message())
        .contains("environment 'production' (set by namespace 'fraud-models')");
  }
}
