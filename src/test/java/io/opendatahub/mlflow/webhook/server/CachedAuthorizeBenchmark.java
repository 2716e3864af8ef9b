package io.opendatahub.mlflow.webhook.server;

import io.opendatahub.mlflow.webhook.authz.AccessDecision;
import io.opendatahub.mlflow.webhook.authz.AccessReview;
import io.opendatahub.mlflow.webhook.authz.AccessReviewCodec;
import io.opendatahub.mlflow.webhook.authz.AccessReviewer;
import io.opendatahub.mlflow.webhook.authz.AuthorizationService;
import io.opendatahub.mlflow.webhook.authz.Identity;
import io.opendatahub.mlflow.webhook.authz.ResourceAttributes;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.Answer;
import io.opendatahub.mlflow.webhook.authz.RouteQuestionCodec;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What the service does for a cached {@code /authorize} and {@code /authorize/mlflow} answer
 * between the body and the bytes written, without HTTP and TLS: the bench workloads'
 * bodies (bench/ab.sh {@code authorize-cache-hit}, {@code authorize-mlflow-cache-hit}), the
 * header read, the decode, the decision from the caches, the metrics and the encode. Run with
 * {@code -prof gc} for the bytes allocated per answer (issue 19):
 * {@code BENCHMARKS=CachedAuthorizeBenchmark bench/jmh.sh -f 1 -wi 3 -w 2s -i 5 -r 2s -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CachedAuthorizeBenchmark {

  private static final String HEADER = "Bearer bench-token";
  private static final byte[] REVIEW = ("{\"apiVersion\":\"authorization.k8s.io/v1\","
      + "\"kind\":\"SelfSubjectAccessReview\",\"spec\":{\"resourceAttributes\":{"
      + "\"namespace\":\"team-a\",\"verb\":\"get\",\"group\":\"mlflow.kubeflow.org\","
      + "\"resource\":\"experiments\"}}}").getBytes(StandardCharsets.UTF_8);
  private static final byte[] ROUTE = ("{\"workspace\":\"team-a\",\"method\":\"GET\","
      + "\"path\":\"/api/2.0/mlflow/experiments/search\"}").getBytes(StandardCharsets.UTF_8);

  /** Everyone may do anything in team-a, answered at once: only the first question asks it. */
  private static final AccessReviewer CLUSTER = new AccessReviewer() {
    @Override
    public CompletableFuture<Optional<Identity>> authenticate(String bearerToken) {
      return CompletableFuture.completedFuture(Optional.of(new Identity("bench", "",
          List.of("system:authenticated"), Map.of())));
    }

    @Override
    public CompletableFuture<AccessDecision> review(Identity identity, ResourceAttributes a) {
      return CompletableFuture.completedFuture(new AccessDecision(
          a.namespace().equals("team-a"), false, "RBAC: allowed", null,
          AccessDecision.Source.KUBERNETES));
    }
  };

  private final AccessReviewCodec reviews = new AccessReviewCodec();
  private final RouteQuestionCodec routes = new RouteQuestionCodec();
  private final WebhookMetrics metrics = new WebhookMetrics();
  private AuthorizationService service;
  private RouteAuthorizer routeAuthorizer;

  @Setup
  public void setUp() throws Exception {
    Policy policy = TestPolicies.shipped();
    service = new AuthorizationService(() -> policy, CLUSTER, AuthorizationService.Listener.NONE);
    routeAuthorizer = new RouteAuthorizer(() -> policy, service);
    authorize();
    authorizeMlflow();
  }

  @Benchmark
  public byte[] authorize() throws Exception {
    long started = System.nanoTime();
    String token = AuthorizeEndpoint.bearerToken(HEADER, null);
    AccessReview review = reviews.decode(REVIEW);
    AccessDecision decision = service.authorize(review, token).join().decision();
    metrics.authorization(review.attributes(), decision.label(), decision.source().label(),
        System.nanoTime() - started);
    return reviews.encode(review, decision);
  }

  @Benchmark
  public byte[] authorizeMlflow() throws Exception {
    long started = System.nanoTime();
    RouteQuestionCodec.Decoded decoded = routes.decode(ROUTE);
    String token = AuthorizeEndpoint.bearerToken(HEADER, null);
    Answer answer = routeAuthorizer.decideAll(decoded.questions(), token, () -> false).join()
        .get(0);
    metrics.routeCheck(answer.allowed() ? "allowed" : "denied", System.nanoTime() - started);
    return routes.encode(answer);
  }
}
