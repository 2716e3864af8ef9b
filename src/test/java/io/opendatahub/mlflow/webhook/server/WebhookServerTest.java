package io.opendatahub.mlflow.webhook.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.cli.WebhookApp;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.HttpsClient;
import io.opendatahub.mlflow.webhook.testing.HttpsClient.Reply;
import io.opendatahub.mlflow.webhook.testing.TestCertificates;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The service over real HTTPS, standalone with the shipped policy: namespace {@code team-prod} is
 * named production there, so an instance serving every namespace is judged as production.
 */
@ExtendWith(VertxExtension.class)
class WebhookServerTest {

  private static final long BODY_LIMIT = 64 * 1024;

  @TempDir static Path certDir;

  private static Vertx vertx;
  private static WebhookApp app;
  private static TestCertificates certs;
  private static HttpsClient client;

  @BeforeAll
  static void start() throws Exception {
    certs = TestCertificates.create(certDir);
    WebhookMetrics metrics = new WebhookMetrics();
    vertx = WebhookApp.vertx(metrics);
    app = HttpsClient.await(WebhookApp.start(vertx,
        new WebhookServer.Settings("127.0.0.1", 0,
            TlsMaterial.read(certs.tlsCert(), certs.tlsKey()), BODY_LIMIT),
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
  void aProductionSqliteInstanceIsDeniedWith403AndAClearMessage() {
    Reply reply = client.post("/validate",
        Fixtures.mlflowReview(Fixtures.mlflow("sqlite-dev.yaml")).uid("prod-sqlite").bytes());

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.contentType()).isEqualTo("application/json");
    JsonNode response = reply.response();
    assertThat(response.path("uid").asString()).isEqualTo("prod-sqlite");
    assertThat(response.path("allowed").asBoolean()).isFalse();
    assertThat(response.path("status").path("code").asInt()).isEqualTo(403);
    assertThat(response.path("status").path("message").asString())
        .startsWith("spec.backendStoreUri: 'sqlite:////mlflow/mlflow.db' uses scheme sqlite,"
            + " which environment 'production' (set by namespace 'team-prod') does not allow");
    assertThat(response.has("patch")).isFalse();
  }

  @Test
  void theReadmeSamplesGiveTheAnswersTheReadmeShows() throws Exception {
    Reply sqlite = client.post("/validate",
        Files.readAllBytes(Path.of("src/test/resources/reviews/mlflow-sqlite.json")));
    Reply postgresql = client.post("/validate",
        Files.readAllBytes(Path.of("src/test/resources/reviews/mlflow-postgresql.json")));
    Reply mutated = client.post("/mutate",
        Files.readAllBytes(Path.of("src/test/resources/reviews/mlflow-sqlite-no-storage.json")));

    assertThat(sqlite.response().path("allowed").asBoolean()).isFalse();
    assertThat(sqlite.response().path("uid").asString())
        .isEqualTo("0f6c2b1e-8d4a-4c3e-9a51-2f7e1d9b6a10");
    assertThat(postgresql.response().path("allowed").asBoolean()).isTrue();
    assertThat(new String(Base64.getDecoder().decode(mutated.response().path("patch").asString()),
        StandardCharsets.UTF_8)).isEqualTo("[{\"op\":\"add\",\"path\":\"/spec/storage\",\"value\":"
            + "{\"resources\":{\"requests\":{\"storage\":\"10Gi\"}},"
            + "\"accessModes\":[\"ReadWriteOnce\"]}}]");
  }

  @Test
  void aPostgresqlInstanceIsAllowed() {
    Reply reply = client.post("/validate",
        Fixtures.mlflowReview(Fixtures.mlflow("remote-storage.yaml")).bytes());

    assertThat(reply.response().path("allowed").asBoolean()).isTrue();
    assertThat(reply.response().has("status")).isFalse();
  }

  @Test
  void aDevelopmentSqliteInstanceIsAllowed() {
    ObjectNode cr = Fixtures.mlflow("sqlite-dev.yaml");
    ((ObjectNode) cr.get("spec")).putObject("workspaceLabelSelector")
        .putPOJO("matchLabels", Map.of("mlflow-policy.io/environment", "development"));

    Reply reply = client.post("/validate", Fixtures.mlflowReview(cr).bytes());

    assertThat(reply.response().path("allowed").asBoolean()).isTrue();
  }

  @Test
  void aV1beta1ReviewIsAnsweredInV1beta1() {
    Reply reply = client.post("/validate", Fixtures.mlflowReview(Fixtures.mlflow("sqlite-dev.yaml"))
        .apiVersion("admission.k8s.io/v1beta1").bytes());

    assertThat(reply.json().path("apiVersion").asString()).isEqualTo("admission.k8s.io/v1beta1");
    assertThat(reply.response().path("allowed").asBoolean()).isFalse();
  }

  @Test
  void mutateReturnsABase64JsonPatchOnlyWhenSomethingChanges() {
    Reply patched = client.post("/mutate",
        Fixtures.mlflowReview(Fixtures.mlflow("sqlite-no-storage.yaml")).bytes());
    Reply untouched = client.post("/mutate",
        Fixtures.mlflowReview(Fixtures.mlflow("remote-storage.yaml")).bytes());

    assertThat(patched.response().path("patchType").asString()).isEqualTo("JSONPatch");
    String patch = new String(Base64.getDecoder().decode(
        patched.response().path("patch").asString()), StandardCharsets.UTF_8);
    assertThat(patch).contains("\"path\":\"/spec/storage\"").contains("10Gi");
    assertThat(untouched.response().has("patch")).isFalse();
    assertThat(untouched.response().has("patchType")).isFalse();
  }

  @Test
  void healthReadinessAndMetricsAnswer() {
    client.post("/validate", Fixtures.mlflowReview(Fixtures.mlflow("sqlite-dev.yaml")).bytes());

    assertThat(client.get("/healthz").status()).isEqualTo(200);
    Reply ready = client.get("/readyz");
    assertThat(ready.status()).isEqualTo(200);
    assertThat(ready.body()).isEqualTo("ok");
    Reply metrics = client.get("/metrics");
    assertThat(metrics.status()).isEqualTo(200);
    assertThat(metrics.contentType()).startsWith("text/plain");
    assertThat(metrics.body())
        .containsPattern("mlflow_webhook_admission_seconds_count\\{decision=\"denied\","
            + "endpoint=\"validate\",kind=\"MLflow\",operation=\"CREATE\"} [1-9]")
        .contains("mlflow_webhook_policy_findings_total{action=\"deny\",rule=\"metadata-store-scheme\"}")
        .contains("jvm_memory_used_bytes")
        .contains("vertx_pool_in_use")
        // Off: a per-request meter lookup that cost a quarter of the throughput (BENCHMARKS.md).
        .doesNotContain("vertx_http_server_requests_total");
  }

  @Test
  void anOversizedBodyGets413WithAJsonReason() {
    byte[] body = new byte[(int) BODY_LIMIT + 1];
    Arrays.fill(body, (byte) ' ');

    Reply reply = client.post("/validate", body);

    assertThat(reply.status()).isEqualTo(413);
    assertThat(reply.json().path("message").asString()).contains("larger than the limit of 65536");
  }

  @Test
  void malformedRequestsGet400WithAReason() {
    Reply notJson = client.post("/validate", "{\"apiVersion\":".getBytes(StandardCharsets.UTF_8));
    ObjectNode noUid = Fixtures.mlflowReview(Fixtures.mlflow("sqlite-dev.yaml")).json();
    ((ObjectNode) noUid.get("request")).remove("uid");
    Reply missingUid = client.post("/mutate", Fixtures.JSON.writeValueAsBytes(noUid));
    Reply wrongType = HttpsClient.await(client.send(HttpMethod.POST, "/validate", "text/yaml",
        Fixtures.mlflowReview(Fixtures.mlflow("sqlite-dev.yaml")).bytes()));
    Reply noRequest = client.post("/validate",
        "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}".getBytes(StandardCharsets.UTF_8));

    assertThat(notJson.status()).isEqualTo(400);
    assertThat(notJson.json().path("message").asString()).contains("not valid JSON");
    assertThat(missingUid.status()).isEqualTo(400);
    assertThat(missingUid.json().path("message").asString()).contains("request.uid is missing");
    assertThat(wrongType.status()).isEqualTo(400);
    assertThat(wrongType.json().path("message").asString())
        .isEqualTo("Content-Type must be application/json, got 'text/yaml'");
    assertThat(noRequest.status()).isEqualTo(400);
    assertThat(noRequest.json().path("message").asString()).contains("request is missing");
    assertThat(notJson.body()).doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void unknownPathsAndMethodsGetJsonErrors() {
    Reply unknown = client.get("/admin");
    Reply wrongMethod = client.get("/validate");

    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.json().path("message").asString()).contains("POST /validate");
    assertThat(wrongMethod.status()).isEqualTo(405);
  }

  @Test
  void withoutAClusterTheAuditAnswers404SayingWhy() {
    Reply audit = client.get("/audit");

    assertThat(audit.status()).isEqualTo(404);
    assertThat(audit.json().path("message").asString()).contains("without a cluster")
        .contains("audit command");
    assertThat(client.get("/metrics").body()).as("no audit, no audit metrics")
        .doesNotContain("mlflow_webhook_audit_");
  }

  @Test
  void plainHttpOnTheTlsPortFails(VertxTestContext test) {
    var plain = vertx.createHttpClient(new HttpClientOptions()
        .setDefaultHost("localhost").setDefaultPort(app.port()));
    plain.request(HttpMethod.POST, "/validate")
        .compose(request -> request.putHeader("Content-Type", "application/json")
            .send(Buffer.buffer(Fixtures.mlflowReview(Fixtures.mlflow("sqlite-dev.yaml")).bytes())))
        .onComplete(test.failing(error -> test.verify(() -> {
          assertThat(error).isNotNull();
          plain.close();
          test.completeNow();
        })));
  }

  /** Ratcheting over the wire: the operator's own patch of an instance that breaks policy. */
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
