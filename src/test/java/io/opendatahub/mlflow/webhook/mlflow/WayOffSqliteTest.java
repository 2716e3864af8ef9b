package io.opendatahub.mlflow.webhook.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.admission.AdmissionResponse;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.admission.Finding;
import io.opendatahub.mlflow.webhook.admission.NamespaceFacts.KnownNamespace;
import io.opendatahub.mlflow.webhook.policy.Action;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/**
 * Under {@code backend-store-switch: deny} (examples/strict-production.yaml) an SQLite instance
 * can still move to a database the policy allows: that switch is the fix, not a hazard.
 */
class WayOffSqliteTest {

  private final AdmissionService service = new AdmissionService(List.of(new MLflowAdmission()));
  /** An unlabelled workspace: production, as every workspace is under this policy. */
  private final DecisionContext strict = StrictProductionExampleTest.strictProduction(
      new KnownNamespace("fraud-models", Map.of()));

  private AdmissionResponse update(ObjectNode before, Consumer<ObjectNode> change) {
    ObjectNode after = before.deepCopy();
    change.accept((ObjectNode) after.get("spec"));
    return service.validate(
        Fixtures.mlflowReview(after).oldObject(before).operation("UPDATE").request(), strict);
  }

  @Test
  void movingAnSqliteInstanceToPostgresqlIsAdmittedWithAWarning() {
    ObjectNode sqlite = Fixtures.mlflow("sqlite-dev.yaml");

    AdmissionResponse response = update(sqlite, spec -> {
      spec.remove(List.of("backendStoreUri", "registryStoreUri"));
      spec.putObject("backendStoreUriFrom").put("name", "mlflow-db").put("key", "uri");
    });

    assertThat(response.allowed()).as(String.valueOf(response.message())).isTrue();
    assertThat(response.findings()).filteredOn(f -> f.rule().equals("backend-store-switch"))
        .singleElement().satisfies(f -> {
          assertThat(f.action()).isEqualTo(Action.WARN);
          assertThat(f.message()).contains("Moving off sqlite:////mlflow/mlflow.db");
        });
  }

  @Test
  void anyOtherUpdateOfAnSqliteInstanceIsAdmittedWhileItStaysOnSqlite() {
    ObjectNode sqlite = Fixtures.mlflow("sqlite-dev.yaml");

    AdmissionResponse response = update(sqlite,
        spec -> spec.putObject("resources").putObject("limits").put("memory", "4Gi"));

    assertThat(response.allowed()).as(String.valueOf(response.message())).isTrue();
    assertThat(response.findings()).filteredOn(f -> f.rule().equals("metadata-store-scheme"))
        .isNotEmpty().allMatch(Finding::ratcheted);
  }

  @Test
  void movingFromTheFallbackStoreToAnInlinePostgresqlUriIsAdmitted() {
    ObjectNode fallback = Fixtures.mlflow("no-backend.yaml");

    AdmissionResponse response = update(fallback,
        spec -> spec.put("backendStoreUri", "postgresql://db.example.com:5432/mlflow"));

    assertThat(response.findings()).extracting(Finding::rule).contains("backend-store-switch");
    assertThat(response.allowed()).as(String.valueOf(response.message())).isTrue();
  }

  @Test
  void switchingBetweenAllowedDatabasesIsStillDenied() {
    ObjectNode postgres = Fixtures.mlflow("remote-storage.yaml");

    AdmissionResponse response = update(postgres,
        spec -> ((ObjectNode) spec.get("backendStoreUriFrom")).put("key", "other-database"));

    assertThat(response.allowed()).isFalse();
    assertThat(response.message()).contains("the backend store changes from Secret"
        + " mlflow-db-credentials key backend-store-uri to Secret mlflow-db-credentials key"
        + " other-database");
  }

  @Test
  void switchingToAnotherForbiddenStoreIsDenied() {
    ObjectNode sqlite = Fixtures.mlflow("sqlite-dev.yaml");

    AdmissionResponse response = update(sqlite, spec -> {
      spec.put("backendStoreUri", "mysql://db.example.com/mlflow");
      spec.remove("registryStoreUri");
    });

    assertThat(response.allowed()).isFalse();
    assertThat(response.findings()).filteredOn(Finding::denies).extracting(Finding::rule)
        .contains("backend-store-switch", "metadata-store-scheme");
  }
}
