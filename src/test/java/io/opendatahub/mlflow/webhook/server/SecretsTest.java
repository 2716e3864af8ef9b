package io.opendatahub.mlflow.webhook.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.opendatahub.mlflow.webhook.cli.WebhookApp;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.HttpsClient;
import io.opendatahub.mlflow.webhook.testing.HttpsClient.Reply;
import io.opendatahub.mlflow.webhook.testing.LogCapture;
import io.opendatahub.mlflow.webhook.testing.TestApps;
import io.opendatahub.mlflow.webhook.testing.TestCertificates;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ObjectNode;

/**
 * Passwords in store URIs never come back out: not in logs at any level, not in metrics, not in
 * denial messages, warnings or audit annotations.
 */
class SecretsTest {

  private static final List<String> SECRETS = List.of("pa55-in-authority", "pa55-in-query",
      "pa55-in-registry", "pa55-in-artifacts");

  @TempDir Path dir;

  @Test
  void passwordsInUrisReachNoLogMetricOrAnswer() throws Exception {
    TestCertificates certs = TestCertificates.create(dir);
    WebhookMetrics metrics = new WebhookMetrics();
    Vertx vertx = WebhookApp.vertx(metrics);
    List<String> answers = new ArrayList<>();
    String logs;
    String scrape;
    try (LogCapture log = new LogCapture(org.slf4j.Logger.ROOT_LOGGER_NAME, Level.TRACE)) {
      WebhookApp app = TestApps.start(vertx, certs, TestPolicies.shipped(), null, metrics);
      HttpsClient client = new HttpsClient(vertx, certs.caCert(), app.port());
      for (boolean production : List.of(true, false)) {
        ObjectNode cr = Fixtures.mlflow("remote-storage.yaml");
        ObjectNode spec = (ObjectNode) cr.get("spec");
        spec.remove("backendStoreUriFrom");
        spec.put("backendStoreUri", "postgresql://mlflow:pa55-in-authority@db:5432/mlflow");
        spec.put("readReplicaBackendStoreUri", "sqlite:////x.db?password=pa55-in-query");
        spec.put("registryStoreUri", "mysql+pymysql://root:pa55-in-registry@db/registry");
        spec.put("artifactsDestination", "gs://svc:pa55-in-artifacts@bucket/x");
        if (!production) {
          spec.putObject("workspaceLabelSelector").putObject("matchLabels").put("no", "match");
        }
        for (String path : List.of("/validate", "/mutate")) {
          Reply reply = client.post(path, Fixtures.mlflowReview(cr).bytes());
          answers.add(reply.body());
        }
      }
      scrape = client.get("/metrics").body();
      client.close();
      HttpsClient.await(app.stop());
      logs = log.text();
    } finally {
      HttpsClient.await(vertx.close());
    }

    assertThat(String.join("\n", answers)).contains("***").contains("\"allowed\":false", "\"allowed\":true");
    for (String secret : SECRETS) {
      assertThat(logs).as("logs").doesNotContain(secret);
      assertThat(scrape).as("metrics").doesNotContain(secret);
      assertThat(String.join("\n", answers)).as("answers").doesNotContain(secret);
    }
    assertThat(logs).contains("validate denied");
  }
}
