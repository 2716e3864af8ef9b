package io.opendatahub.mlflow.webhook.authz;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opendatahub.mlflow.webhook.admission.MalformedReviewException;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The authorization codecs read with Jackson's default limits and refuse duplicate keys, as they
 * did before they shared {@code JsonStreams} (issue 19): each limit is met at its edge, one past
 * it is refused, and so is a key given twice.
 */
class ReadingRulesTest {

  /** A codec's decode, and a valid body with room for one more member before its last '}'. */
  interface Decoder {
    void decode(byte[] body) throws MalformedReviewException;
  }

  static Stream<Arguments> codecs() {
    AccessReviewCodec access = new AccessReviewCodec();
    RouteQuestionCodec routes = new RouteQuestionCodec();
    ChainReviewCodec chain = new ChainReviewCodec();
    return Stream.of(
        Arguments.of("access review", (Decoder) access::decode,
            "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectAccessReview\","
                + "\"spec\":{\"resourceAttributes\":{\"namespace\":\"team-a\",\"verb\":\"get\","
                + "\"group\":\"mlflow.kubeflow.org\",\"resource\":\"experiments\"}}}"),
        Arguments.of("route question", (Decoder) routes::decode,
            "{\"workspace\":\"team-a\",\"method\":\"GET\",\"path\":\"/api/2.0/mlflow/runs/get\"}"),
        Arguments.of("chain review", (Decoder) chain::decode,
            "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SubjectAccessReview\","
                + "\"spec\":{\"user\":\"alice\",\"resourceAttributes\":{\"namespace\":\"team-a\","
                + "\"verb\":\"get\",\"group\":\"mlflow.kubeflow.org\","
                + "\"resource\":\"experiments\"}}}"));
  }

  private static byte[] with(String body, String member) {
    return (body.substring(0, body.length() - 1) + "," + member + "}")
        .getBytes(StandardCharsets.UTF_8);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("codecs")
  void nestingIsReadTo500LevelsAndNoFurther(String name, Decoder codec, String body) {
    // The root object is the first level.
    assertThatCode(() -> codec.decode(with(body, "\"x\":" + "[".repeat(499) + "]".repeat(499))))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> codec.decode(
        with(body, "\"x\":" + "[".repeat(500) + "]".repeat(500))))
        .isInstanceOf(MalformedReviewException.class).hasMessageContaining("not valid JSON");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("codecs")
  void keysAreReadTo50000CharactersAndNoFurther(String name, Decoder codec, String body) {
    assertThatCode(() -> codec.decode(with(body, "\"" + "k".repeat(50_000) + "\":1")))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> codec.decode(with(body, "\"" + "k".repeat(50_001) + "\":1")))
        .isInstanceOf(MalformedReviewException.class).hasMessageContaining("not valid JSON");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("codecs")
  void numbersAreReadTo1000DigitsAndNoFurther(String name, Decoder codec, String body) {
    assertThatCode(() -> codec.decode(with(body, "\"x\":" + "9".repeat(1_000))))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> codec.decode(with(body, "\"x\":" + "9".repeat(1_001))))
        .isInstanceOf(MalformedReviewException.class).hasMessageContaining("not valid JSON");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("codecs")
  void aKeyGivenTwiceIsRefused(String name, Decoder codec, String body) {
    assertThatCode(() -> codec.decode(with(body, "\"x\":1"))).doesNotThrowAnyException();
    assertThatThrownBy(() -> codec.decode(with(body, "\"x\":1,\"x\":2")))
        .isInstanceOf(MalformedReviewException.class).hasMessageContaining("not valid JSON");
  }
}
