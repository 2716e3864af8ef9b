package io.opendatahub.mlflow.webhook.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.admission.AdmissionResponse;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.admission.StaticNamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Validation never admits what it cannot read: wrongly typed fields are denied by name. */
class MalformedSpecTest {

  private final AdmissionService service = new AdmissionService(List.of(new MLflowAdmission()));
  private final Policy policy = TestPolicies.shipped();
  private final DecisionContext context =
      new DecisionContext(policy, StaticNamespaceFacts.fromPolicy(policy));

  private static ObjectNode cr(String spec) {
    return (ObjectNode) Fixtures.JSON.readTree(
        "{\"apiVersion\":\"mlflow.opendatahub.io/v1\",\"kind\":\"MLflow\","
            + "\"metadata\":{\"name\":\"mlflow\"}" + (spec == null ? "" : ",\"spec\":" + spec)
            + "}");
  }

  static Stream<Arguments> unreadable() {
    return Stream.of(
        // spec, field named, what the message says
        Arguments.of("\"sqlite:////mlflow/mlflow.db\"", "spec", "not a string"),
        Arguments.of("[{\"backendStoreUri\":\"sqlite:////x.db\"}]", "spec", "not a list"),
        Arguments.of("42", "spec", "not a number"),
        Arguments.of("null", "spec", "not null"),
        Arguments.of(null, "spec", "not missing"),
        Arguments.of("{\"backendStoreUri\":{\"uri\":\"sqlite:////x.db\"}}",
            "spec.backendStoreUri", "must be a string, not an object"),
        Arguments.of("{\"backendStoreUriFrom\":\"db-secret\",\"defaultArtifactRoot\":\"s3://b/\"}",
            "spec.backendStoreUriFrom", "must be an object, not a string"),
        Arguments.of("{\"backendStoreUri\":\"sqlite:////mlflow/mlflow.db\",\"storage\":\"10Gi\","
            + "\"defaultArtifactRoot\":\"s3://b/\"}", "spec.storage", "must be an object"),
        Arguments.of("{\"backendStoreUriFrom\":{\"name\":\"db\",\"key\":\"uri\"},"
            + "\"defaultArtifactRoot\":\"s3://b/\",\"env\":{\"name\":\"X\",\"value\":\"y\"}}",
            "spec.env", "must be a list, not an object"),
        Arguments.of("{\"backendStoreUriFrom\":{\"name\":\"db\",\"key\":\"uri\"},"
            + "\"defaultArtifactRoot\":\"s3://b/\",\"env\":[{\"name\":"
            + "[\"MLFLOW_SERVER_DISABLE_SECURITY_MIDDLEWARE\"]}]}",
            "spec.env[0].name", "must be a string, not a list"),
        Arguments.of("{\"backendStoreUriFrom\":{\"name\":\"db\",\"key\":\"uri\"},"
            + "\"defaultArtifactRoot\":\"s3://b/\",\"replicas\":\"3\"}",
            "spec.replicas", "must be an integer, not a string"),
        Arguments.of("{\"backendStoreUriFrom\":{\"name\":\"db\",\"key\":\"uri\"},"
            + "\"artifactsDestination\":\"s3://b/\",\"serveArtifacts\":\"true\"}",
            "spec.serveArtifacts", "must be true or false, not a string"),
        Arguments.of("{\"backendStoreUri\":\"sqlite:////mlflow/mlflow.db\","
            + "\"defaultArtifactRoot\":\"s3://b/\",\"storage\":{\"accessModes\":\"ReadWriteMany\"}}",
            "spec.storage.accessModes", "must be a list, not a string"));
  }

  @ParameterizedTest(name = "{1}: {0}")
  @MethodSource("unreadable")
  void isDeniedNamingTheField(String spec, String field, String message) {
    AdmissionResponse response = service.validate(Fixtures.mlflowReview(cr(spec)).request(),
        context);

    assertThat(response.allowed()).isFalse();
    assertThat(response.code()).isEqualTo(403);
    assertThat(response.findings()).anySatisfy(finding -> {
      assertThat(finding.rule()).isEqualTo("malformed-spec");
      assertThat(finding.field()).isEqualTo(field);
      assertThat(finding.message()).contains(message);
    });
  }

  @Test
  void isDeniedOnUpdateEvenWhenTheOldObjectWasJustAsUnreadable() {
    ObjectNode broken = cr("\"oops\"");

    AdmissionResponse response = service.validate(
        Fixtures.mlflowReview(broken).oldObject(broken).operation("UPDATE").request(), context);

    assertThat(response.allowed()).isFalse();
    assertThat(response.message()).startsWith("spec: must be an object");
  }

  @Test
  void mutateLeavesItAlone() {
    ObjectNode stringStorage = cr("{\"backendStoreUri\":\"sqlite:////mlflow/mlflow.db\","
        + "\"storage\":\"10Gi\",\"serveArtifacts\":true}");
    for (JsonNode object : List.of(cr("\"oops\""), cr("[]"), stringStorage)) {
      AdmissionResponse response = service.mutate(Fixtures.mlflowReview(object).request(), context);

      assertThat(response.allowed()).isTrue();
      assertThat(response.hasPatch()).as(object.toString()).isFalse();
    }
  }

  @Test
  void nullOptionalFieldsReadAsUnset() {
    ObjectNode cr = cr("{\"backendStoreUriFrom\":{\"name\":\"db\",\"key\":\"uri\"},"
        + "\"defaultArtifactRoot\":\"s3://b/\",\"storage\":null,\"env\":null}");

    AdmissionResponse response = service.validate(Fixtures.mlflowReview(cr).request(), context);

    assertThat(response.findings()).noneMatch(f -> f.rule().equals("malformed-spec"));
  }
}
