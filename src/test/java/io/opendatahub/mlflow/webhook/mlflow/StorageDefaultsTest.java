package io.opendatahub.mlflow.webhook.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.zjsonpatch.JsonPatch;
import io.opendatahub.mlflow.webhook.admission.AdmissionResponse;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.admission.StaticNamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.util.List;
import com.networknt.schema.Schema;
import io.opendatahub.mlflow.webhook.testing.Schemas;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code /mutate} fills storage defaults from the shipped policy (10Gi, ReadWriteOnce). */
class StorageDefaultsTest {

  private static final Schema CRD_SPEC = Schemas.resource("schema/mlflow-spec.schema.json");

  private final AdmissionService service = new AdmissionService(List.of(new MLflowAdmission()));
  private final Policy policy = TestPolicies.shipped();
  private final DecisionContext context =
      new DecisionContext(policy, StaticNamespaceFacts.fromPolicy(policy));

  @Test
  void aFileBasedStoreWithoutAVolumeGetsTheDefaultVolume() {
    ObjectNode cr = Fixtures.mlflow("sqlite-no-storage.yaml");

    AdmissionResponse response = service.mutate(Fixtures.mlflowReview(cr).request(), context);

    assertThat(response.hasPatch()).isTrue();
    assertThat(response.patch().toString()).isEqualTo(
        "[{\"op\":\"add\",\"path\":\"/spec/storage\",\"value\":{\"resources\":{\"requests\":"
            + "{\"storage\":\"10Gi\"}},\"accessModes\":[\"ReadWriteOnce\"]}}]");
  }

  @Test
  void anIncompleteVolumeIsCompletedWithoutTouchingWhatTheUserSet() {
    ObjectNode cr = Fixtures.mlflow("sqlite-dev.yaml");
    ObjectNode storage = (ObjectNode) cr.get("spec").get("storage");
    storage.remove("accessModes");
    ((ObjectNode) storage.get("resources").get("requests")).put("storage", "50Gi");

    AdmissionResponse response = service.mutate(Fixtures.mlflowReview(cr).request(), context);
    JsonNode patched = JsonPatch.apply(response.patch(), cr);

    assertThat(patched.at("/spec/storage/accessModes/0").asString()).isEqualTo("ReadWriteOnce");
    assertThat(patched.at("/spec/storage/resources/requests/storage").asString()).isEqualTo("50Gi");
    assertThat(response.patch().toString()).doesNotContain("/metadata").doesNotContain("/status");
  }

  @Test
  void mutatingTheMutatedObjectChangesNothing() {
    ObjectNode cr = Fixtures.mlflow("sqlite-no-storage.yaml");
    JsonNode once = JsonPatch.apply(
        service.mutate(Fixtures.mlflowReview(cr).request(), context).patch(), cr);

    AdmissionResponse again = service.mutate(Fixtures.mlflowReview(once).request(), context);

    assertThat(again.hasPatch()).isFalse();
  }

  @Test
  void remoteStoresNeedNoVolumeAndGetNoPatch() {
    AdmissionResponse response = service.mutate(
        Fixtures.mlflowReview(Fixtures.mlflow("remote-storage.yaml")).request(), context);

    assertThat(response.allowed()).isTrue();
    assertThat(response.hasPatch()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite-no-storage.yaml", "sqlite-dev.yaml", "remote-storage.yaml",
      "no-backend.yaml", "postgres-inline.yaml"})
  void thePatchedObjectSatisfiesTheCrdSchemaAndItsStorageRules(String sample) {
    ObjectNode cr = Fixtures.mlflow(sample);
    AdmissionResponse response = service.mutate(Fixtures.mlflowReview(cr).request(), context);
    JsonNode patched = response.hasPatch() ? JsonPatch.apply(response.patch(), cr) : cr;

    assertThat(Schemas.errors(CRD_SPEC, patched.get("spec"))).isEmpty();
  }

  @Test
  void theSchemaFixtureRejectsASqliteStoreWithoutAVolume() {
    ObjectNode spec = (ObjectNode) Fixtures.mlflow("sqlite-no-storage.yaml").get("spec");
    spec.put("backendStoreUri", "sqlite:////mlflow/mlflow.db");

    assertThat(Schemas.errors(CRD_SPEC, spec)).isNotEmpty();
  }

  @Test
  void theRequestObjectIsNotModified() {
    ObjectNode cr = Fixtures.mlflow("sqlite-no-storage.yaml");
    ObjectNode copy = cr.deepCopy();

    service.mutate(Fixtures.mlflowReview(cr).request(), context);

    assertThat(cr).isEqualTo(copy);
  }
}
