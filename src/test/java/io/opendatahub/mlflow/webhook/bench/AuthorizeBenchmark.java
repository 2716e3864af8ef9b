package io.opendatahub.mlflow.webhook.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.opendatahub.mlflow.webhook.cli.WebhookApp;
import io.opendatahub.mlflow.webhook.authz.AccessDecision;
import io.opendatahub.mlflow.webhook.authz.AccessReviewCodec;
import io.opendatahub.mlflow.webhook.policy.PolicyLoader;
import io.opendatahub.mlflow.webhook.server.TlsMaterial;
import io.opendatahub.mlflow.webhook.server.WebhookMetrics;
import io.opendatahub.mlflow.webhook.server.WebhookServer;
import io.opendatahub.mlflow.webhook.testing.TestCertificates;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Cached {@code /authorize} decisions over HTTPS keep-alive against a ceiling: the smallest Vert.x
 * TLS server answering the same bytes. Both run in this JVM with the same TLS settings, driven
 * by the same load generator, alternating rounds so machine drift hits both. Not a test: run
 * {@code bench/authorize.sh}.
 */
public final class AuthorizeBenchmark {

  private static final String TOKEN = "bench-token";

  public static void main(String[] args) {
    try {
      run(args);
    } catch (Exception e) {
      // The service's and the mock's non-daemon threads would otherwise keep a failed run alive.
      e.printStackTrace();
      System.exit(1);
    }
  }

  private static void run(String[] args) throws Exception {
    Duration round = Duration.ofSeconds(Integer.parseInt(arg(args, 0, "10")));
    int rounds = Integer.parseInt(arg(args, 1, "3"));
    int connections = Integer.parseInt(arg(args, 2, "16"));
    java.util.logging.Logger.getLogger("io.fabric8.mockwebserver")
        .setLevel(java.util.logging.Level.WARNING);
    Path dir = Files.createTempDirectory("authorize-bench");
    TestCertificates certs = TestCertificates.create(dir);

    KubernetesMockServer apiServer = BenchApiServer.start();
    KubernetesClient kube = apiServer.createClient();

    WebhookMetrics metrics = new WebhookMetrics();
    Vertx serverVertx = WebhookApp.vertx(metrics);
    WebhookApp app = WebhookApp.start(serverVertx, new WebhookServer.Settings("127.0.0.1", 0,
            TlsMaterial.read(certs.tlsCert(), certs.tlsKey()), 7L * 1024 * 1024),
        new PolicyLoader().load(Path.of("policies")), kube, metrics)
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);

    byte[] review = ("{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectAccessReview\","
        + "\"spec\":{\"resourceAttributes\":{\"namespace\":\"team-a\",\"verb\":\"get\","
        + "\"group\":\"mlflow.kubeflow.org\",\"resource\":\"experiments\"}}}")
        .getBytes(StandardCharsets.UTF_8);
    Map<String, String> headers = Map.of("Content-Type", "application/json",
        "Authorization", "Bearer " + TOKEN);

    Vertx clientVertx = Vertx.vertx();
    LoadGenerator load = new LoadGenerator(clientVertx, certs.caCert(), connections);
    // Warm both sides (JIT, TLS sessions, connection pools) for as long as a measured round.
    LoadGenerator.Result warm = load.run("warm-up", app.port(), "/authorize", review, headers,
        round);
    byte[] answer = answerBytes(warm, review);
    int ceiling = ceiling(serverVertx, certs, answer);
    load.run("warm-up", ceiling, "/authorize", review, headers, round);

    List<LoadGenerator.Result> results = new ArrayList<>();
    for (int i = 0; i < rounds; i++) {
      results.add(load.run("ceiling", ceiling, "/authorize", review, headers, round));
      results.add(load.run("authorize (cache hit)", app.port(), "/authorize", review, headers,
          round));
    }
    print(results, connections, round, answer.length);

    clientVertx.close();
    app.stop();
    serverVertx.close();
    kube.close();
    apiServer.destroy();
    System.exit(0);
  }

  /** The bytes the service answers with, so the ceiling returns exactly as many. */
  private static byte[] answerBytes(LoadGenerator.Result warm, byte[] review) throws Exception {
    if (warm.errors() > 0) {
      throw new IllegalStateException("warm-up had " + warm.errors() + " errors");
    }
    AccessReviewCodec codec = new AccessReviewCodec();
    return codec.encode(codec.decode(review),
        new AccessDecision(true, false, null, null, AccessDecision.Source.CACHE));
  }

  static int ceiling(Vertx vertx, TestCertificates certs, byte[] answer)
      throws Exception {
    Buffer body = Buffer.buffer(answer);
    HttpServerOptions options = new HttpServerOptions().setHost("127.0.0.1").setPort(0)
        .setSsl(true).setUseAlpn(true)
        .setKeyCertOptions(new PemKeyCertOptions()
            .setCertValue(Buffer.buffer(Files.readAllBytes(certs.tlsCert())))
            .setKeyValue(Buffer.buffer(Files.readAllBytes(certs.tlsKey()))))
        .setEnabledSecureTransportProtocols(Set.of("TLSv1.2", "TLSv1.3"));
    return CeilingServer.serve(vertx, options, request -> request.body().onComplete(ignored ->
        request.response().putHeader("Content-Type", "application/json").end(body)));
  }

  static void print(List<LoadGenerator.Result> results, int connections, Duration round,
      int bytes) {
    System.out.printf("%nclosed loop, %d keep-alive HTTPS connections, %d s rounds, %d-byte"
        + " answers, %d cores, %s%n%n", connections, round.toSeconds(), bytes,
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.version"));
    System.out.printf("%-24s %10s %8s %8s %8s %7s%n", "run", "req/s", "p50 ms", "p99 ms",
        "p99.9 ms", "errors");
    for (LoadGenerator.Result r : results) {
      System.out.printf("%-24s %10.0f %8.3f %8.3f %8.3f %7d%n", r.name(), r.perSecond(),
          r.millis(50), r.millis(99), r.millis(99.9), r.errors());
    }
    double ceiling = results.stream().filter(r -> r.name().equals("ceiling"))
        .mapToDouble(LoadGenerator.Result::perSecond).average().orElse(0);
    double service = results.stream().filter(r -> !r.name().equals("ceiling"))
        .mapToDouble(LoadGenerator.Result::perSecond).average().orElse(0);
    System.out.printf("%nmean req/s: ceiling %.0f, service %.0f, ratio %.2f%n", ceiling, service,
        service / ceiling);
  }

  private static String arg(String[] args, int index, String fallback) {
    return args.length > index ? args[index] : fallback;
  }
}
