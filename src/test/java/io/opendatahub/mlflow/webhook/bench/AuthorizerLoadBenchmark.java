package io.opendatahub.mlflow.webhook.bench;

import io.opendatahub.mlflow.webhook.authz.AccessDecision;
import io.opendatahub.mlflow.webhook.authz.ChainAuthorizer;
import io.opendatahub.mlflow.webhook.authz.ChainReviewCodec;
import io.opendatahub.mlflow.webhook.cli.WebhookApp;
import io.opendatahub.mlflow.webhook.admission.StaticNamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.policy.PolicyLoader;
import io.opendatahub.mlflow.webhook.server.AuthorizerServer;
import io.opendatahub.mlflow.webhook.server.TlsMaterial;
import io.opendatahub.mlflow.webhook.server.WebhookMetrics;
import io.opendatahub.mlflow.webhook.server.WebhookServer;
import io.opendatahub.mlflow.webhook.testing.TestCertificates;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The API server's webhook authorizer ({@code POST /authorizer} on its own port, bearer-token
 * caller) over HTTPS keep-alive against the same ceiling as {@link AuthorizeBenchmark}: the
 * smallest Vert.x TLS server answering the same bytes, alternating rounds. Standalone, the
 * shipped policy: a disabled feature, so every answer is a denial. Not a test: run
 * {@code BENCH_MAIN=AuthorizerLoadBenchmark bench/authorize.sh}.
 */
public final class AuthorizerLoadBenchmark {

  private static final String TOKEN = "bench-authorizer-token-0123456789abcdef";

  public static void main(String[] args) {
    try {
      run(args);
    } catch (Exception e) {
      e.printStackTrace();
      System.exit(1);
    }
  }

  private static void run(String[] args) throws Exception {
    Duration round = Duration.ofSeconds(Integer.parseInt(args.length > 0 ? args[0] : "10"));
    int rounds = Integer.parseInt(args.length > 1 ? args[1] : "3");
    int connections = Integer.parseInt(args.length > 2 ? args[2] : "16");
    Path dir = Files.createTempDirectory("authorizer-bench");
    TestCertificates certs = TestCertificates.create(dir);
    Path token = Files.writeString(dir.resolve("token"), TOKEN);

    WebhookMetrics metrics = new WebhookMetrics();
    Vertx serverVertx = WebhookApp.vertx(metrics);
    Policy policy = new PolicyLoader().load(Path.of("policies"));
    WebhookApp app = WebhookApp.start(serverVertx, new WebhookServer.Settings("127.0.0.1", 0,
            TlsMaterial.read(certs.tlsCert(), certs.tlsKey()), 7L * 1024 * 1024),
        new AuthorizerServer.Settings("127.0.0.1", 0, null, token), policy, null, metrics)
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);

    byte[] review = ("{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SubjectAccessReview\","
        + "\"spec\":{\"resourceAttributes\":{\"namespace\":\"team-a\",\"verb\":\"create\","
        + "\"group\":\"mlflow.kubeflow.org\",\"version\":\"v1\",\"resource\":\"gatewayendpoints\","
        + "\"subresource\":\"use\"},\"user\":\"alice\",\"uid\":\"u-1\",\"groups\":[\"team-a\","
        + "\"system:authenticated\"]}}").getBytes(StandardCharsets.UTF_8);
    Map<String, String> headers = Map.of("Content-Type", "application/json",
        "Authorization", "Bearer " + TOKEN);
    ChainReviewCodec codec = new ChainReviewCodec();
    var decoded = codec.decode(review);
    AccessDecision decision = ChainAuthorizer.decide(decoded.attributes(), policy.authorization(),
        StaticNamespaceFacts.fromPolicy(policy));
    byte[] answer = codec.encode(decoded, decision);

    Vertx clientVertx = Vertx.vertx();
    LoadGenerator load = new LoadGenerator(clientVertx, certs.caCert(), connections);
    int port = app.authorizerPort();
    LoadGenerator.Result warm = load.run("warm-up", port, AuthorizerServer.PATH, review, headers,
        round);
    if (warm.errors() > 0) {
      throw new IllegalStateException("warm-up had " + warm.errors() + " errors");
    }
    int ceiling = AuthorizeBenchmark.ceiling(serverVertx, certs, answer);
    load.run("warm-up", ceiling, AuthorizerServer.PATH, review, headers, round);

    List<LoadGenerator.Result> results = new ArrayList<>();
    for (int i = 0; i < rounds; i++) {
      results.add(load.run("ceiling", ceiling, AuthorizerServer.PATH, review, headers, round));
      results.add(load.run("authorizer (denied)", port, AuthorizerServer.PATH, review, headers,
          round));
    }
    AuthorizeBenchmark.print(results, connections, round, answer.length);

    clientVertx.close();
    app.stop();
    serverVertx.close();
    System.exit(0);
  }
}
