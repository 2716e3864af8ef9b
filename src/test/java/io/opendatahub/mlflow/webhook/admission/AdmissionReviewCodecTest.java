package io.opendatahub.mlflow.webhook.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opendatahub.mlflow.webhook.policy.Action;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.core.JsonPointer;
import tools.jackson.databind.JsonNode;

class AdmissionReviewCodecTest {

  private final AdmissionReviewCodec codec = new AdmissionReviewCodec();

  @ParameterizedTest
  @ValueSource(strings = {AdmissionReview.V1, AdmissionReview.V1BETA1})
  void answersInTheVersionItWasAskedInAndEchoesTheUid(String apiVersion) throws Exception {
    byte[] body = Fixtures.mlflowReview(Fixtures.mlflow("sqlite-dev.yaml"))
        .apiVersion(apiVersion).uid("uid-" + apiVersion).bytes();

    AdmissionReview review = codec.decode(body);
    JsonNode answer = Fixtures.JSON.readTree(
        codec.encode(review.apiVersion(), AdmissionResponse.allow(review.request().uid())));

    assertThat(review.request().kind())
        .isEqualTo(new GroupVersionKind("mlflow.opendatahub.io", "v1", "MLflow"));
    assertThat(review.request().operation()).isEqualTo(Operation.CREATE);
    assertThat(review.request().object().path("spec").path("backendStoreUri").asString())
        .isEqualTo("sqlite:////mlflow/mlflow.db");
    assertThat(answer.path("apiVersion").asString()).isEqualTo(apiVersion);
    assertThat(answer.path("kind").asString()).isEqualTo("AdmissionReview");
    assertThat(answer.path("response").path("uid").asString()).isEqualTo("uid-" + apiVersion);
    assertThat(answer.path("response").path("allowed").asBoolean()).isTrue();
  }

  @Test
  void anAllowedAnswerCarriesNoStatusNoPatchAndNoPatchType() {
    JsonNode response = encode(AdmissionResponse.allow("u1")).path("response");

    assertThat(response.has("status")).isFalse();
    assertThat(response.has("patch")).isFalse();
    assertThat(response.has("patchType")).isFalse();
    assertThat(response.has("warnings")).isFalse();
  }

  @Test
  void aDenialCarries403AndTheMessage() {
    Finding finding = new Finding("r", Action.DENY, "spec.x", "bad");
    JsonNode response = encode(new AdmissionResponse("u1", false, 403, "spec.x: bad", List.of(),
        Map.of(), null, List.of(finding))).path("response");

    assertThat(response.path("allowed").asBoolean()).isFalse();
    assertThat(response.path("status").path("code").asInt()).isEqualTo(403);
    assertThat(response.path("status").path("reason").asString()).isEqualTo("Forbidden");
    assertThat(response.path("status").path("message").asString()).isEqualTo("spec.x: bad");
  }

  @Test
  void aPatchIsBase64OfAJsonPatchArrayWithItsType() {
    List<PatchOp> patch = List.of(new PatchOp(PatchOp.Op.ADD,
        JsonPointer.compile("/spec/replicas"), Fixtures.JSON.getNodeFactory().numberNode(3)));

    JsonNode response = encode(new AdmissionResponse("u1", true, 0, null, List.of("careful"),
        Map.of("policy-r", "noted"), patch, List.of())).path("response");

    assertThat(response.path("patchType").asString()).isEqualTo("JSONPatch");
    String decoded = new String(Base64.getDecoder().decode(response.path("patch").asString()),
        StandardCharsets.UTF_8);
    assertThat(decoded).isEqualTo("[{\"op\":\"add\",\"path\":\"/spec/replicas\",\"value\":3}]");
    assertThat(response.path("warnings").get(0).asString()).isEqualTo("careful");
    assertThat(response.path("auditAnnotations").path("policy-r").asString()).isEqualTo("noted");
  }

  @Test
  void anEmptyPatchIsNotSent() {
    JsonNode response = encode(new AdmissionResponse("u1", true, 0, null, List.of(), Map.of(),
        List.of(), List.of())).path("response");

    assertThat(response.has("patch")).isFalse();
    assertThat(response.has("patchType")).isFalse();
  }

  static Stream<Arguments> malformed() {
    String valid = new String(
        Fixtures.mlflowReview(Fixtures.mlflow("sqlite-dev.yaml")).bytes(), StandardCharsets.UTF_8);
    return Stream.of(
        Arguments.of("empty body", "", "body is empty"),
        Arguments.of("truncated JSON", valid.substring(0, valid.length() / 2), "not valid JSON"),
        Arguments.of("not an object", "[1,2]", "must be a JSON object"),
        Arguments.of("wrong apiVersion",
            valid.replace("admission.k8s.io/v1", "admission.k8s.io/v2"), "apiVersion must be"),
        Arguments.of("wrong kind", valid.replace("\"kind\":\"AdmissionReview\"", "\"kind\":\"Pod\""),
            "kind must be AdmissionReview"),
        Arguments.of("missing request",
            "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}",
            "request is missing"),
        Arguments.of("request not an object",
            "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":7}",
            "request must be an object"),
        Arguments.of("missing uid", valid.replace("\"uid\":", "\"notUid\":"),
            "request.uid is missing"),
        Arguments.of("blank uid",
            valid.replace("3c4a6b2e-0000-4000-8000-000000000001", " "), "request.uid is missing"),
        Arguments.of("uid of the wrong type",
            valid.replace("\"3c4a6b2e-0000-4000-8000-000000000001\"", "42"), "uid must be a string"),
        Arguments.of("unknown operation", valid.replace("\"CREATE\"", "\"EXPLODE\""),
            "request.operation must be"),
        Arguments.of("object of the wrong type",
            "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{"
                + "\"uid\":\"u\",\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},"
                + "\"operation\":\"CREATE\",\"object\":\"text\"}}",
            "request.object must be an object"),
        Arguments.of("duplicate keys", valid.replace("\"operation\":\"CREATE\"",
            "\"operation\":\"CREATE\",\"operation\":\"DELETE\""), "not valid JSON"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void malformedReviewsAreRefusedWithAReason(String name, String body, String reason) {
    assertThatThrownBy(() -> codec.decode(body.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(MalformedReviewException.class)
        .hasMessageContaining(reason);
  }

  private JsonNode encode(AdmissionResponse response) {
    return Fixtures.JSON.readTree(codec.encode(AdmissionReview.V1, response));
  }
}
