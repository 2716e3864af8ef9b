package io.opendatahub.mlflow.webhook.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.cli.WebhookApp;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.HttpsClient;
import io.opendatahub.mlflow.webhook.testing.HttpsClient.Reply;
import io.opendatahub.mlflow.webhook.testing.TestCertificates;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The operator's own patch over real HTTPS: clearing its force-migrate annotation on an SQLite
 * instance the shipped policy judges production (standalone, {@code team-prod} is production).
 */
class RatchetingOverHttpsTest {

  @TempDir static Path certDir;

  private static Vertx vertx;
  private static WebhookApp app;
  private static HttpsClient client;

  @BeforeAll
  static void start() throws Exception {
    TestCertificates certs = TestCertificates.create(certDir);
    WebhookMetrics metrics = new WebhookMetrics();
    vertx = WebhookApp.vertx(metrics);
    app = HttpsClient.await(WebhookApp.start(vertx,
        new WebhookServer.Settings("127.0.0.1", 0,
            TlsMaterial.read(certs.tlsCert(), certs.tlsKey()), 1024 * 1024),
        TestPolicies.shipped(), null, metrics));
    client = new HttpsClient(vertx, certs.caCert(), app.port());
  }

  @AfterAll
  static void stop() {
    client.close();
    HttpsClient.await(app.stop());
    HttpsClient.await(vertx.close());
  }

  @Test
  void theOperatorClearingItsAnnotationIsAdmittedWithWarningsAuditAndMetric() {
    ObjectNode before = Fixtures.mlflow("sqlite-dev.yaml");
    ((ObjectNode) before.get("metadata")).putObject("annotations")
        .put("mlflow.opendatahub.io/force-migrate", "true");
    ObjectNode after = before.deepCopy();
    ((ObjectNode) after.get("metadata")).remove("annotations");

    Reply reply = client.post("/validate", Fixtures.mlflowReview(after).oldObject(before)
        .operation("UPDATE").user("system:serviceaccount:redhat-ods-applications:mlflow-operator")
        .uid("clear-annotation").bytes());

    JsonNode response = reply.response();
    assertThat(response.path("uid").asString()).isEqualTo("clear-annotation");
    assertThat(response.path("allowed").asBoolean()).isTrue();
    assertThat(response.path("warnings").get(0).asString())
        .startsWith("spec.backendStoreUri: 'sqlite:////mlflow/mlflow.db' uses scheme sqlite")
        .contains("already so before this update");
    assertThat(response.path("auditAnnotations").has("policy-metadata-store-scheme")).isTrue();
    assertThat(client.get("/metrics").body()).containsPattern(
        "mlflow_webhook_policy_findings_total\\{action=\"ratcheted\",rule=\"metadata-store-scheme\"}"
            + " [1-9]");
  }
}
