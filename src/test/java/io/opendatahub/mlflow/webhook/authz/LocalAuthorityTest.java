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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

/** The standalone demo of {@code policies/examples/local-authority}: real allow and deny answers. */
class LocalAuthorityTest {

  @TempDir Path dir;

  @ParameterizedTest(name = "{0} {1} {2} {3} -> {4}")
  @CsvSource({
    "alice-demo-token, create, experiments, team-a, true",
    "alice-demo-token, delete, registeredmodels, team-a, true",
    "alice-demo-token, create, experiments, team-b, false",
    "bob-demo-token, get, experiments, team-a, true",
    "bob-demo-token, create, experiments, team-a, false",
    "bob-demo-token, list, gatewayendpoints, team-a, false",
  })
  void answersFromTheDemoRbac(String token, String verb, String resource, String namespace,
      boolean allowed) throws Exception {
    Reply reply = ask(token, verb, resource, namespace);

    JsonNode status = reply.json().path("status");
    assertThat(reply.status()).isEqualTo(200);
    assertThat(status.path("allowed").asBoolean()).isEqualTo(allowed);
    if (!resource.startsWith("gateway")) {
      assertThat(status.path("reason").asString()).startsWith("local authority (RBAC only): ");
    }
  }

  /** #18: without a cluster there is no API server to blame; the token file did not know it. */
  @Test
  void anUnknownTokenIs401NamingTheTokenFile() throws Exception {
    Reply reply = ask("mallory-token", "get", "experiments", "team-a");

    assertThat(reply.status()).isEqualTo(401);
    assertThat(reply.json().path("message").asString())
        .contains("not in the token file that spec.authorization.local.tokens names")
        .doesNotContain("API server");
  }

  private Reply ask(String token, String verb, String resource, String namespace)
      throws Exception {
    TestCertificates certs = TestCertificates.create(dir.resolve("c" + System.nanoTime()));
    Vertx vertx = Vertx.vertx();
    WebhookApp app = TestApps.start(vertx, certs, new PolicyLoader().load(Path.of("policies/examples/local-authority")), null, new WebhookMetrics());
    try (HttpsClient client = new HttpsClient(vertx, certs.caCert(), app.port())) {
      String body = "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectAccessReview\","
          + "\"spec\":{\"resourceAttributes\":{\"namespace\":\"" + namespace + "\",\"verb\":\""
          + verb + "\",\"group\":\"mlflow.kubeflow.org\",\"resource\":\"" + resource + "\"}}}";
      return HttpsClient.await(client.sendWith(HttpMethod.POST, "/authorize",
          Map.of("Content-Type", "application/json", "Authorization", "Bearer " + token),
          body.getBytes(StandardCharsets.UTF_8)));
    } finally {
      HttpsClient.await(app.stop());
      HttpsClient.await(vertx.close());
    }
  }
}
