package io.opendatahub.mlflow.webhook.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.cli.WebhookApp;
import io.opendatahub.mlflow.webhook.policy.PolicyLoader;
import io.opendatahub.mlflow.webhook.testing.HttpsClient;
import io.opendatahub.mlflow.webhook.testing.HttpsClient.Reply;
import io.opendatahub.mlflow.webhook.testing.TestApps;
import io.opendatahub.mlflow.webhook.testing.TestCertificates;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /authorize/mlflow} against the standalone demo of
 * {@code policies/examples/local-authority}: alice edits team-a, bob views it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RouteCheckOverHttpsTest {

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
    Map<String, String> headers = new HashMap<>(Map.of("Content-Type", "application/json"));
    if (token != null) {
      headers.put("Authorization", "Bearer " + token);
    }
    return HttpsClient.await(client.sendWith(HttpMethod.POST, "/authorize/mlflow", headers,
        body.getBytes(StandardCharsets.UTF_8)));
  }

  private static String question(String workspace, String method, String path) {
    return "{\"workspace\":\"" + workspace + "\",\"method\":\"" + method + "\",\"path\":\""
        + path + "\"}";
  }

  @Test
  void aBodyNamingASecretGetsTheSecretsCheckAsWell() {
    String invoke = "\"workspace\":\"team-a\",\"method\":\"POST\","
        + "\"path\":\"/mlflow/ajax-api/3.0/mlflow/issues/invoke\",\"name\":\"exp-1\"";
    Reply plain = ask("alice-demo-token", "{" + invoke + ",\"body\":{\"experiment_id\":\"1\"}}");
    Reply namingASecret = ask("alice-demo-token", "{" + invoke
        + ",\"body\":{\"experiment_id\":\"1\",\"secret_id\":\"openai-key\"}}");

    assertThat(plain.json().path("allowed").asBoolean()).isTrue();
    assertThat(namingASecret.status()).isEqualTo(200);
    assertThat(namingASecret.json().path("allowed").asBoolean()).isFalse();
    assertThat(namingASecret.json().path("resource").asString()).isEqualTo("gatewaysecrets/use");
    assertThat(namingASecret.json().path("reason").asString())
        .contains("AI Gateway is disabled");
  }

  @Test
  void requestPartsOfTheWrongShapeGetAFourHundredNamingTheField() {
    String base = "\"workspace\":\"team-a\",\"method\":\"POST\",\"path\":\"/v1/traces\"";
    Reply headersList = ask("alice-demo-token", "{" + base + ",\"headers\":[\"x\"]}");
    Reply twice = ask("alice-demo-token", "{" + base + ",\"headers\":{\"X-MLflow-Experiment-Id\":"
        + "\"1\",\"x-mlflow-experiment-id\":\"2\"}}");
    Reply queryNumber = ask("alice-demo-token", "{" + base + ",\"query\":{\"experiment_id\":1}}");

    assertThat(headersList.status()).isEqualTo(400);
    assertThat(headersList.json().path("message").asString()).contains("headers must be an object");
    assertThat(twice.status()).isEqualTo(400);
    assertThat(twice.json().path("message").asString()).contains("twice");
    assertThat(queryNumber.status()).isEqualTo(400);
    assertThat(queryNumber.json().path("message").asString())
        .contains("query.experiment_id must be a string or a list of strings");
  }

  @Test
  void anEditorMayLogRunsAndAViewerMayOnlyReadThem() {
    String logRun = question("team-a", "POST", "/mlflow/api/2.0/mlflow/runs/create");
    Reply alice = ask("alice-demo-token", logRun);
    Reply bob = ask("bob-demo-token", logRun);
    Reply bobReads = ask("bob-demo-token", question("team-a", "GET",
        "/mlflow/ajax-api/2.0/mlflow/runs/get?run_id=r1"));

    assertThat(alice.status()).isEqualTo(200);
    assertThat(alice.json().path("allowed").asBoolean()).isTrue();
    assertThat(alice.json().path("resource").asString()).isEqualTo("experiments");
    assertThat(alice.json().path("verb").asString()).isEqualTo("update");
    assertThat(alice.json().path("reason").asString()).startsWith("local authority (RBAC only)");
    assertThat(bob.json().path("allowed").asBoolean()).isFalse();
    assertThat(bob.json().path("verb").asString()).isEqualTo("update");
    assertThat(bobReads.json().path("allowed").asBoolean()).isTrue();
  }

  @Test
  void aBatchFiltersTheWorkspaceListOneAnswerPerQuestion() {
    Reply reply = ask("bob-demo-token", "{\"checks\":["
        + question("team-a", "GET", "/api/3.0/mlflow/workspaces") + ","
        + question("team-b", "GET", "/api/3.0/mlflow/workspaces") + ","
        + question("team-a", "GET", "/api/2.0/mlflow/no-such-route") + "]}");

    JsonNode results = reply.json().path("results");
    assertThat(reply.status()).isEqualTo(200);
    assertThat(results.size()).isEqualTo(3);
    assertThat(results.get(0).path("allowed").asBoolean()).isTrue();
    assertThat(results.get(1).path("allowed").asBoolean()).isFalse();
    assertThat(results.get(2).path("status").asInt()).isEqualTo(404);
  }

  @Test
  void anUnknownRouteIsRefusedNotGuessed() {
    Reply reply = ask("alice-demo-token", question("team-a", "POST", "/api/2.0/mlflow/runs/nuke"));

    assertThat(reply.status()).isEqualTo(404);
    assertThat(reply.json().path("message").asString())
        .contains("no route of the MLflow route table matches POST /api/2.0/mlflow/runs/nuke");
  }

  @Test
  void badQuestionsGetAClearFourHundred() {
    assertThat(ask("alice-demo-token", "{\"method\":\"GET\",\"path\":"
        + "\"/api/2.0/mlflow/runs/get\"}").json().path("message").asString())
        .contains("workspace is required");
    assertThat(ask("alice-demo-token", "{\"workspace\":\"team-a\",\"path\":\"/x\"}").status())
        .isEqualTo(400);
    assertThat(ask("alice-demo-token", question("team-a", "GET", "/api/../admin")).status())
        .isEqualTo(400);
    assertThat(ask("alice-demo-token", "{\"checks\":[]}").status()).isEqualTo(400);
    assertThat(ask("alice-demo-token", "[1]").status()).isEqualTo(400);
  }

  @Test
  void callersWithoutAValidTokenAre401ButPublicRoutesNeedNone() {
    String logRun = question("team-a", "POST", "/api/2.0/mlflow/runs/create");

    assertThat(ask(null, logRun).status()).isEqualTo(401);
    assertThat(ask("mallory-token", logRun).status()).isEqualTo(401);
    assertThat(ask(null, question("", "GET", "/mlflow/health")).json().path("allowed")
        .asBoolean()).isTrue();
  }

  @Test
  void anUnknownTokenIs401WhateverTheRouteWouldSay() {
    assertThat(ask("mallory-token", question("team-a", "POST", "/api/3.0/mlflow/workspaces"))
        .status()).as("an always-denied route").isEqualTo(401);
    assertThat(ask("mallory-token", question("team-a", "POST",
        "/gateway/my-endpoint/mlflow/invocations")).status()).as("a disabled feature")
        .isEqualTo(401);
    assertThat(ask("mallory-token", question("team-a", "GET", "/api/2.0/mlflow/secrets/dump"))
        .status()).as("an unknown route").isEqualTo(401);
    assertThat(ask(null, "{\"checks\":[" + question("team-a", "POST",
        "/api/3.0/mlflow/workspaces") + "]}").status()).as("a batch without a token")
        .isEqualTo(401);
  }

  @Test
  void standaloneTheTokenFileAuthenticatesAuthorizeBeforePolicyAnswers() {
    String disabled = "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":"
        + "\"SelfSubjectAccessReview\",\"spec\":{\"resourceAttributes\":{\"namespace\":"
        + "\"team-a\",\"verb\":\"get\",\"group\":\"mlflow.kubeflow.org\",\"resource\":"
        + "\"gatewayendpoints\"}}}";
    Map<String, String> headers = new HashMap<>(Map.of("Content-Type", "application/json",
        "Authorization", "Bearer mallory-token"));

    Reply unknown = HttpsClient.await(client.sendWith(HttpMethod.POST, "/authorize", headers,
        disabled.getBytes(StandardCharsets.UTF_8)));
    headers.put("Authorization", "Bearer alice-demo-token");
    Reply known = HttpsClient.await(client.sendWith(HttpMethod.POST, "/authorize", headers,
        disabled.getBytes(StandardCharsets.UTF_8)));

    assertThat(unknown.status()).isEqualTo(401);
    assertThat(known.json().path("status").path("denied").asBoolean()).isTrue();
  }

  // ListWorkspaces and GraphQL (the demo policy names team-a and team-b).

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
