package io.opendatahub.mlflow.webhook.authz;

import io.opendatahub.mlflow.webhook.admission.MalformedReviewException;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.Answer;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.CheckOutcome;
import io.opendatahub.mlflow.webhook.policy.RouteRule;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * Decode and encode of the bench's two authorize bodies ({@code BenchEnvironment}): the
 * streaming codecs against the tree codecs they replaced. Run with {@code -prof gc} for the
 * bytes allocated per operation: {@code BENCHMARKS=AuthorizeCodecBenchmark bench/jmh.sh -f 1
 * -wi 3 -w 1s -i 5 -r 1s -prof gc}. Not a test.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AuthorizeCodecBenchmark {

  private static final byte[] REVIEW = ("{\"apiVersion\":\"authorization.k8s.io/v1\","
      + "\"kind\":\"SelfSubjectAccessReview\",\"spec\":{\"resourceAttributes\":{"
      + "\"namespace\":\"team-a\",\"verb\":\"get\",\"group\":\"mlflow.kubeflow.org\","
      + "\"resource\":\"experiments\"}}}").getBytes(StandardCharsets.UTF_8);
  private static final byte[] QUESTION = ("{\"workspace\":\"team-a\",\"method\":\"GET\","
      + "\"path\":\"/api/2.0/mlflow/experiments/search\"}").getBytes(StandardCharsets.UTF_8);
  private static final AccessDecision ALLOWED =
      new AccessDecision(true, false, null, null, AccessDecision.Source.CACHE);
  private static final Answer ANSWER = Answer.allowed(
      new RouteRule.Check("experiments", "", "list", List.of(), false), null,
      List.of(new CheckOutcome("experiments", "list", null, true, null, null)));

  private final AccessReviewCodec access = new AccessReviewCodec();
  private final LegacyAccessReviewCodec accessBefore = new LegacyAccessReviewCodec();
  private final RouteQuestionCodec routes = new RouteQuestionCodec();
  private final LegacyRouteQuestionCodec routesBefore = new LegacyRouteQuestionCodec();

  @Benchmark
  public byte[] accessReviewStreamed() throws MalformedReviewException {
    return access.encode(access.decode(REVIEW), ALLOWED);
  }

  @Benchmark
  public byte[] accessReviewTree() throws MalformedReviewException {
    return accessBefore.encode(accessBefore.decode(REVIEW), ALLOWED);
  }

  @Benchmark
  public byte[] routeQuestionStreamed() throws MalformedReviewException {
    routes.decode(QUESTION);
    return routes.encode(ANSWER);
  }

  @Benchmark
  public byte[] routeQuestionTree() throws MalformedReviewException {
    routesBefore.decode(QUESTION);
    return routesBefore.encode(ANSWER);
  }
}
