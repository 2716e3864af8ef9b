package io.opendatahub.mlflow.webhook.authz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opendatahub.mlflow.webhook.admission.MalformedReviewException;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.Question;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The request parts a route question may carry: read as typed values, bounded, strict. */
class RouteQuestionCodecTest {

  private final RouteQuestionCodec codec = new RouteQuestionCodec();

  private Question decode(String json) throws MalformedReviewException {
    return codec.decode(json.getBytes(StandardCharsets.UTF_8)).questions().get(0);
  }

  @Test
  void bodyQueryAndHeadersAreReadAsTheTrackingServerSentThem() throws Exception {
    Question question = decode("{\"method\":\"GET\",\"path\":\"/api/3.0/mlflow/scorers/list\","
        + "\"body\":{\"a\":[1,2]},\"query\":{\"experiment_id\":\"7\",\"tag\":[\"x\",\"y\"]},"
        + "\"headers\":{\"X-MLflow-Experiment-Id\":\"9\"}}");

    assertThat(question.body().path("a").size()).isEqualTo(2);
    assertThat(question.queryValues("experiment_id")).containsExactly("7");
    assertThat(question.queryValues("tag")).containsExactly("x", "y");
    assertThat(question.queryValues("absent")).isEmpty();
    assertThat(question.header("x-mlflow-EXPERIMENT-id")).isEqualTo("9");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "\"query\":[]|query must be an object",
    "\"query\":{\"a\":{\"b\":1}}|query.a must be a string or a list of strings",
    "\"query\":{\"a\":[1]}|query.a must be a string",
    "\"headers\":\"X: y\"|headers must be an object",
    "\"headers\":{\"h\":1}|headers.h must be a string",
    "\"headers\":{\"h\":\"a\\r\\nX-Injected: 1\"}|must not contain control characters",
  })
  void wrongTypesAreRefusedNamingTheField(String part, String problem) {
    assertThatThrownBy(() -> decode("{\"method\":\"GET\",\"path\":\"/x\"," + part + "}"))
        .isInstanceOf(MalformedReviewException.class).hasMessageContaining(problem);
  }

  @Test
  void countsAndLengthsAreBounded() {
    StringBuilder many = new StringBuilder("{\"method\":\"GET\",\"path\":\"/x\",\"headers\":{");
    for (int i = 0; i <= RequestParts.MAX_HEADERS; i++) {
      many.append(i == 0 ? "" : ",").append("\"h").append(i).append("\":\"v\"");
    }
    String values = "[" + "\"v\",".repeat(RequestParts.MAX_VALUES) + "\"v\"]";

    assertThatThrownBy(() -> decode(many.append("}}").toString()))
        .hasMessageContaining("at most " + RequestParts.MAX_HEADERS);
    assertThatThrownBy(() -> decode("{\"method\":\"GET\",\"path\":\"/x\",\"query\":{\"a\":"
        + values + "}}")).hasMessageContaining("at most " + RequestParts.MAX_VALUES);
    assertThatThrownBy(() -> decode("{\"method\":\"GET\",\"path\":\"/x\",\"query\":{\"a\":\""
        + "v".repeat(RequestParts.MAX_VALUE + 1) + "\"}}"))
        .hasMessageContaining("at most " + RequestParts.MAX_VALUE);
  }
}
