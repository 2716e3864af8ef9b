package io.opendatahub.mlflow.webhook.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.cli.WebhookApp;
import io.opendatahub.mlflow.webhook.policy.PolicyLoader;
import io.opendatahub.mlflow.webhook.testing.Eventually;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.HttpsClient;
import io.opendatahub.mlflow.webhook.testing.HttpsClient.Reply;
import io.opendatahub.mlflow.webhook.testing.TestApps;
import io.opendatahub.mlflow.webhook.testing.TestCertificates;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ObjectNode;

/** Warnings, audit annotations, updates and live policy changes, over real HTTPS. */
class PolicyOverHttpsTest {

  private static final String POLICY = """
      apiVersion: policy.mlflow-webhook.io/v1alpha1
      kind: MLflowPolicy
      metadata: {name: NAME}
      spec:
        environments:
          - name: production
            namespaces: [prod]
          - name: development
            default: true
        mlflow:
          environments:
            production:
              backendStore: {schemes: [SCHEMES], inlineCredentials: audit}
            development:
              backendStore: {inlineCredentials: warn}
      """;

  @TempDir Path dir;

  private Vertx vertx;
  private WebhookApp app;
  private HttpsClient client;
  private Path policyDir;

  private static String policy(String name, String schemes) {
    return POLICY.replace("NAME", name).replace("SCHEMES", schemes);
  }

  @BeforeEach
  void start() throws Exception {
    TestCertificates certs = TestCertificates.create(dir.resolve("certs"));
    policyDir = Files.createDirectories(dir.resolve("policies"));
    TestPolicies.write(policyDir, "policy.yaml", policy("first", "postgresql"));
    WebhookMetrics metrics = new WebhookMetrics();
    vertx = WebhookApp.vertx(metrics);
    app = TestApps.start(vertx, certs, new PolicyLoader().load(policyDir), null, metrics);
    app.watchPolicy(policyDir, Duration.ofMillis(100));
    client = new HttpsClient(vertx, certs.caCert(), app.port());
  }

  @AfterEach
  void stop() {
    client.close();
    HttpsClient.await(app.stop());
    HttpsClient.await(vertx.close());
  }

  private Reply validate(ObjectNode cr, boolean production) {
    if (!production) {
      ((ObjectNode) cr.get("spec")).putObject("workspaceLabelSelector")
          .putObject("matchLabels").put("none", "match");
    }
    return client.post("/validate", Fixtures.mlflowReview(cr).bytes());
  }

  @Test
  void warnFindingsBecomeWarningsAndAuditFindingsAuditAnnotations() {
    Reply warned = validate(Fixtures.mlflow("postgres-inline.yaml"), false);
    Reply audited = validate(Fixtures.mlflow("postgres-inline.yaml"), true);

    assertThat(warned.response().path("allowed").asBoolean()).isTrue();
    assertThat(warned.response().path("warnings").get(0).asString())
        .startsWith("spec.backendStoreUri: 'postgresql://mlflow:***@postgres.mlflow.svc:5432/mlflow'"
            + " carries a password inline");
    assertThat(audited.response().path("allowed").asBoolean()).isTrue();
    assertThat(audited.response().path("auditAnnotations").path("policy-inline-credentials")
        .asString()).contains("***");
    assertThat(warned.body() + audited.body()).doesNotContain("s3cr3t-pa55");
  }

  @Test
  void anUpdateThatShrinksTheVolumeIsDenied() {
    ObjectNode before = Fixtures.mlflow("sqlite-dev.yaml");
    ObjectNode after = before.deepCopy();
    ((ObjectNode) after.at("/spec/storage/resources/requests")).put("storage", "5Gi");

    Reply reply = client.post("/validate", Fixtures.mlflowReview(after).oldObject(before)
        .operation("UPDATE").bytes());

    assertThat(reply.response().path("allowed").asBoolean()).isFalse();
    assertThat(reply.response().path("status").path("message").asString())
        .contains("spec.storage.resources.requests.storage: shrinking the volume from 10Gi to 5Gi");
  }

  @Test
  void aPolicyChangeAppliesWithoutARestartAndABrokenOneNeverDoes() throws Exception {
    ObjectNode sqlite = Fixtures.mlflow("sqlite-dev.yaml");
    assertThat(validate(sqlite.deepCopy(), true).response().path("allowed").asBoolean()).isFalse();

    TestPolicies.write(policyDir, "policy.yaml", policy("second", "postgresql, sqlite"));
    Reply allowed = Eventually.until(Duration.ofSeconds(10), "the reloaded policy allows SQLite",
        () -> validate(sqlite.deepCopy(), true),
        r -> r.response().path("allowed").asBoolean());
    assertThat(allowed.response().path("allowed").asBoolean()).isTrue();
    assertThat(client.get("/metrics").body())
        .contains("mlflow_webhook_policy_reloads_total{result=\"success\"} 1.0")
        .contains("mlflow_webhook_policy_info{hash=\"" + new PolicyLoader().load(policyDir).hash()
            + "\",name=\"second\"} 1");

    TestPolicies.write(policyDir, "policy.yaml", "this: is: not: a policy");
    // A scrape is not atomic across meters: wait for both signs of the rejection.
    String metrics = Eventually.until(Duration.ofSeconds(10),
        "/metrics shows the rejected policy change",
        () -> client.get("/metrics").body(),
        body -> body.contains("mlflow_webhook_policy_reload_failing 1.0")
            && body.contains("mlflow_webhook_policy_reloads_total{result=\"failure\"} 1.0"));
    assertThat(metrics).contains("mlflow_webhook_policy_reload_failing 1.0")
        .contains("mlflow_webhook_policy_reloads_total{result=\"failure\"} 1.0");
    assertThat(validate(sqlite.deepCopy(), true).response().path("allowed").asBoolean()).isTrue();
    assertThat(client.get("/readyz").status()).isEqualTo(200);
  }
}
