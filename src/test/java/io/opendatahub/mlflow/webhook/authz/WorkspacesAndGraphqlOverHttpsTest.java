package io.opendatahub.mlflow.webhook.authz;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.cli.WebhookApp;
import io.opendatahub.mlflow.webhook.policy.PolicyLoader;
import io.opendatahub.mlflow.webhook.server.WebhookMetrics;
import io.opendatahub.mlflow.webhook.testing.HttpsClient;
import io.opendatahub.mlflow.webhook.testing.HttpsClient.Reply;
import io.opendatahub.mlflow.webhook.testing.TestApps;
import io.opendatahub.mlflow.webhook.testing.TestCertificates;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * ListWorkspaces and GraphQL questions over HTTPS against the standalone demo of
 * {@code policies/examples/local-authority} (alice edits team-a, bob views it; the policy names
 * team-a and team-b).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkspacesAndGraphqlOverHttpsTest {

  @TempDir static Path dir;
  private Vertx vertx;
  private WebhookApp app;
  private HttpsClient client;

  @BeforeAll
  void start() throws Exception {
    TestCertificates certs = TestCertificates.create(dir);
    vertx = Vertx.vertx();
    app = TestApps.start(vertx, certs,
        new PolicyLoader().load(Path.of("policies/examples/local-authority")), null,
        new WebhookMetrics());
    client = new HttpsClient(vertx, certs.caCert(), app.port());
  }

  @AfterAll
  void stop() {
    client.close();
    HttpsClient.await(app.stop());
    HttpsClient.await(vertx.close());
  }

  private Reply ask(String token, String body) {
    return HttpsClient.await(client.sendWith(HttpMethod.POST, "/authorize/mlflow",
        Map.of("Content-Type", "application/json", "Authorization", "Bearer " + token),
        body.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void listWorkspacesWithoutAWorkspaceAnswersWithTheVisibleOnes() {
    Reply bob = ask("bob-demo-token", "{\"method\":\"GET\",\"path\":"
        + "\"/mlflow/api/3.0/mlflow/workspaces\"}");

    assertThat(bob.status()).isEqualTo(200);
    assertThat(bob.json().path("allowed").asBoolean()).isTrue();
    assertThat(bob.json().path("workspaces").toString()).isEqualTo("[\"team-a\"]");
    assertThat(bob.json().has("undecided")).isFalse();
  }

  @Test
  void aGraphqlBodyDecidesTheChecks() {
    String runWithModels = "{\"workspace\":\"team-a\",\"method\":\"POST\",\"path\":"
        + "\"/mlflow/graphql\",\"body\":{\"query\":\"query MlflowGetRunQuery { mlflowGetRun("
        + "input: {runId: \\\"r1\\\"}) { run { info { runId } modelVersions { name } } } }\","
        + "\"operationName\":\"MlflowGetRunQuery\"}}";
    String unknown = "{\"workspace\":\"team-a\",\"method\":\"POST\",\"path\":\"/graphql\","
        + "\"body\":{\"query\":\"{ __schema { types { name } } }\"}}";

    Reply bob = ask("bob-demo-token", runWithModels);
    Reply introspection = ask("bob-demo-token", unknown);

    assertThat(bob.status()).isEqualTo(200);
    assertThat(bob.json().path("allowed").asBoolean()).isTrue();
    assertThat(bob.json().path("checks").size()).isEqualTo(2);
    assertThat(introspection.status()).isEqualTo(200);
    assertThat(introspection.json().path("allowed").asBoolean()).isFalse();
    assertThat(introspection.json().path("reason").asString()).contains("__schema");
  }

  @Test
  void aQueryThatIsNotAnObjectIs400() {
    Reply reply = ask("bob-demo-token", "{\"workspace\":\"team-a\",\"method\":\"GET\","
        + "\"path\":\"/graphql\",\"query\":[\"x\"]}");

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.json().toString()).contains("query must be an object");
  }
}
