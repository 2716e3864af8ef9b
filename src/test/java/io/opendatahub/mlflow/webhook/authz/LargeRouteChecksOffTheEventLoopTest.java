package io.opendatahub.mlflow.webhook.authz;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.policy.PolicyHolder;
import io.opendatahub.mlflow.webhook.server.Readiness;
import io.opendatahub.mlflow.webhook.server.TlsMaterial;
import io.opendatahub.mlflow.webhook.server.WebhookMetrics;
import io.opendatahub.mlflow.webhook.server.WebhookServer;
import io.opendatahub.mlflow.webhook.testing.Eventually;
import io.opendatahub.mlflow.webhook.testing.HttpsClient;
import io.opendatahub.mlflow.webhook.testing.HttpsClient.Reply;
import io.opendatahub.mlflow.webhook.testing.TestCertificates;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A large route-check body is read on the batch pool, never on an event loop: anyone may send
 * 512 KiB of JSON (the token is checked after reading), and reading it there would hold every
 * connection of the loop, admission reviews included.
 */
class LargeRouteChecksOffTheEventLoopTest {

  @TempDir Path dir;

  @Test
  void aLargeBatchWithoutATokenIsReadOnTheBatchPool() throws Exception {
    TestCertificates certs = TestCertificates.create(dir);
    Vertx vertx = Vertx.vertx();
    // A batch pool that runs its tasks only when the test says so.
    ConcurrentLinkedQueue<Runnable> waiting = new ConcurrentLinkedQueue<>();
    Executor held = waiting::add;
    PolicyHolder policy = new PolicyHolder(TestPolicies.shipped());
    AuthorizationService authorization =
        new AuthorizationService(policy, null, AuthorizationService.Listener.NONE);
    WebhookServer server = new WebhookServer(vertx, new WebhookServer.Settings("127.0.0.1", 0,
            TlsMaterial.read(certs.tlsCert(), certs.tlsKey()), 1024 * 1024),
        null, null, authorization, new RouteAuthorizer(policy, authorization, held),
        new WebhookMetrics(), new Readiness());
    HttpsClient.await(server.start());
    try (HttpsClient client = new HttpsClient(vertx, certs.caCert(), server.port())) {
      byte[] body = ("{\"checks\":\"" + "a".repeat(100_000) + "\"}")
          .getBytes(StandardCharsets.UTF_8);

      Future<Reply> reply = client.sendWith(HttpMethod.POST, "/authorize/mlflow",
          Map.of("Content-Type", "application/json"), body);
      Runnable reading = Eventually.until(Duration.ofSeconds(10),
          "the large body is queued for the batch pool",
          waiting::poll, r -> r != null);

      assertThat(reading).as("the body's reading waits for the batch pool").isNotNull();
      assertThat(reply.isComplete()).as("no answer before it is read").isFalse();
      reading.run();
      Reply answer = HttpsClient.await(reply);
      assertThat(answer.status()).isEqualTo(400);
      assertThat(answer.json().path("message").asString()).contains("checks must be");
    } finally {
      HttpsClient.await(server.stop(Duration.ofSeconds(1)));
      HttpsClient.await(vertx.close());
    }
  }
}
