package io.opendatahub.mlflow.webhook.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.opendatahub.mlflow.webhook.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The decoder's reading limits: shapes that would cost far more heap than their bytes (tiny
 * objects, deep nesting, huge strings, keys or numbers) are refused with a 413 naming the limit,
 * before the tree is built; reviews as large as real Kubernetes objects still decode.
 */
class ReviewReadingLimitsTest {

  private final AdmissionReviewCodec codec = new AdmissionReviewCodec();

  private static final String HEAD = "{\"apiVersion\":\"admission.k8s.io/v1\","
      + "\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u\",\"kind\":{\"group\":"
      + "\"mlflow.opendatahub.io\",\"version\":\"v1\",\"kind\":\"MLflow\"},\"operation\":\"CREATE\","
      + "\"object\":{\"apiVersion\":\"mlflow.opendatahub.io/v1\",\"kind\":\"MLflow\","
      + "\"metadata\":{\"name\":\"mlflow\"},\"spec\":";
  private static final String TAIL = "}}}";

  static Stream<Arguments> hostileShapes() {
    return Stream.of(
        Arguments.of("900,000 tiny objects",
            "{\"tolerations\":[" + "{\"k\":1},".repeat(900_000) + "{\"k\":1}]}", "token count"),
        Arguments.of("one token past the limit", "{\"tolerations\":["
            + "1,".repeat((int) AdmissionReviewCodec.MAX_TOKENS) + "1]}", "token count"),
        Arguments.of("nesting 200 deep", "[".repeat(200) + "]".repeat(200), "nesting depth"),
        Arguments.of("a 2 MiB string", "{\"a\":\"" + "x".repeat(2 * 1024 * 1024) + "\"}",
            "string value length"),
        Arguments.of("a 5,000-character key", "{\"" + "k".repeat(5_000) + "\":1}", "name"),
        Arguments.of("a 500-digit number", "{\"n\":" + "9".repeat(500) + "}", "number value length"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileShapes")
  void aShapeBeyondTheLimitsIsRefusedWith413NamingTheLimit(String name, String spec,
      String limit) {
    byte[] body = (HEAD + spec + TAIL).getBytes(StandardCharsets.UTF_8);

    MalformedReviewException refused =
        catchThrowableOfType(MalformedReviewException.class, () -> codec.decode(body));

    assertThat(refused).as("refused").isNotNull();
    assertThat(refused.status()).isEqualTo(413);
    assertThat(refused.getMessage()).startsWith("the review is beyond what the webhook reads: ")
        .containsIgnoringCase(limit)
        .doesNotContain("StreamReadConstraints").doesNotContain("`");
  }

  @Test
  void anUpdateOfARoleBindingWith10000SubjectsStillDecodes() throws Exception {
    ObjectNode binding = Fixtures.JSON.createObjectNode();
    binding.put("apiVersion", "rbac.authorization.k8s.io/v1").put("kind", "RoleBinding");
    binding.putObject("metadata").put("name", "many").put("namespace", "team-a");
    binding.putObject("roleRef").put("apiGroup", "rbac.authorization.k8s.io")
        .put("kind", "ClusterRole").put("name", "view");
    ArrayNode subjects = binding.putArray("subjects");
    for (int i = 0; i < 10_000; i++) {
      subjects.addObject().put("kind", "ServiceAccount").put("name", "sa-" + i)
          .put("namespace", "team-a");
    }
    byte[] body = new Fixtures.Review().kind("rbac.authorization.k8s.io", "v1", "RoleBinding")
        .operation("UPDATE").object(binding).oldObject(binding.deepCopy()).bytes();

    AdmissionRequest request = codec.decode(body).request();

    assertThat(request.object().path("subjects").size()).isEqualTo(10_000);
    assertThat(request.oldObject().path("subjects").size()).isEqualTo(10_000);
  }

  @Test
  void aMegabyteAnnotationStillDecodes() throws Exception {
    ObjectNode mlflow = Fixtures.mlflow("remote-storage.yaml");
    ((ObjectNode) mlflow.path("metadata")).putObject("annotations")
        .put("example.com/blob", "x".repeat(1000 * 1000));

    AdmissionRequest request = codec.decode(Fixtures.mlflowReview(mlflow).bytes()).request();

    assertThat(request.object().path("metadata").path("annotations").path("example.com/blob")
        .asString()).hasSize(1000 * 1000);
  }
}
