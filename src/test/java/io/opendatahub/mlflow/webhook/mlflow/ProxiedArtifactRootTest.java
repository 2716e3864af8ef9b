package io.opendatahub.mlflow.webhook.mlflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.opendatahub.mlflow.webhook.admission.AdmissionResponse;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.admission.Finding;
import io.opendatahub.mlflow.webhook.admission.NamespaceFacts.KnownNamespace;
import io.opendatahub.mlflow.webhook.admission.StaticNamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code defaultArtifactRoot: mlflow-artifacts:/} is MLflow's proxied root: clients upload through
 * the tracking server and the data lands in {@code artifactsDestination}. It is judged there.
 */
class ProxiedArtifactRootTest {

  private final AdmissionService service = new AdmissionService(List.of(new MLflowAdmission()));
  private final Policy policy = TestPolicies.shipped();
  private final DecisionContext production = context("production");
  private final DecisionContext development = context("development");

  private DecisionContext context(String environment) {
    return new DecisionContext(policy, new StaticNamespaceFacts(List.of(new KnownNamespace(
        "redhat-ods-applications", Map.of("mlflow-policy.io/environment", environment)))));
  }

  private static ObjectNode cr(String root, String destination, boolean serve) {
    ObjectNode cr = Fixtures.mlflow("remote-storage.yaml");
    ObjectNode spec = (ObjectNode) cr.get("spec");
    spec.put("replicas", 1).put("defaultArtifactRoot", root).put("serveArtifacts", serve);
    if (destination == null) {
      spec.remove("artifactsDestination");
    } else {
      spec.put("artifactsDestination", destination);
    }
    return cr;
  }

  private AdmissionResponse validate(ObjectNode cr, DecisionContext context) {
    return service.validate(Fixtures.mlflowReview(cr).request(), context);
  }

  @Test
  void aProxiedRootOverS3IsAdmittedInProduction() {
    for (String root : List.of("mlflow-artifacts:/", "mlflow-artifacts:/experiments",
        "mlflow-artifacts:///experiments")) {
      AdmissionResponse response = validate(cr(root, "s3://mlflow-bucket/artifacts", true),
          production);

      assertThat(response.allowed()).as(root + ": " + response.message()).isTrue();
      assertThat(response.findings()).as(root).isEmpty();
    }
  }

  @Test
  void aProxiedRootIsJudgedByWhereTheDataLands() {
    AdmissionResponse response = validate(cr("mlflow-artifacts:/", "file:///mlflow/artifacts",
        true), production);

    assertThat(response.allowed()).isFalse();
    assertThat(response.findings()).filteredOn(f -> f.rule().equals("artifact-scheme"))
        .extracting(Finding::field).containsExactly("spec.artifactsDestination");
    assertThat(response.message()).contains("'file:///mlflow/artifacts' uses scheme file, where"
        + " the proxied defaultArtifactRoot 'mlflow-artifacts:/' puts the data, which environment"
        + " 'production'");
  }

  @Test
  void aProxiedRootWithoutADestinationPutsTheDataOnThePodsVolume() {
    AdmissionResponse inProduction = validate(cr("mlflow-artifacts:/", null, true), production);
    AdmissionResponse inDevelopment = validate(cr("mlflow-artifacts:/", null, true), development);

    assertThat(inProduction.allowed()).isFalse();
    assertThat(inProduction.message()).contains("spec.artifactsDestination: unset, so the operator"
        + " serves artifacts from 'file:///mlflow/artifacts', where the proxied defaultArtifactRoot"
        + " 'mlflow-artifacts:/' puts the data");
    assertThat(inDevelopment.allowed()).isFalse();
    assertThat(inDevelopment.findings()).extracting(Finding::rule)
        .containsExactly("storage-required");
  }

  @Test
  void aProxiedRootWithoutArtifactServingHasNowhereToWrite() {
    AdmissionResponse response = validate(cr("mlflow-artifacts:/", "s3://b/a", false),
        development);

    assertThat(response.allowed()).isFalse();
    assertThat(response.findings()).extracting(Finding::rule, Finding::field)
        .containsExactly(tuple("artifact-serving",
            "spec.serveArtifacts"));
    assertThat(response.message()).contains("proxied root 'mlflow-artifacts:/'")
        .contains("Set spec.serveArtifacts: true");
  }

  @Test
  void aRootProxiedThroughAnotherServerIsJudgedByItsScheme() {
    AdmissionResponse response = validate(cr("mlflow-artifacts://other-mlflow:5000/runs",
        "s3://b/a", true), production);

    assertThat(response.allowed()).isFalse();
    assertThat(response.message()).contains("spec.defaultArtifactRoot:"
        + " 'mlflow-artifacts://other-mlflow:5000/runs' uses scheme mlflow-artifacts");
  }
}
