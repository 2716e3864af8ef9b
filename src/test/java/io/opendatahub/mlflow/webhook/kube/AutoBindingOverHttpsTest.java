package io.opendatahub.mlflow.webhook.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.opendatahub.mlflow.webhook.cli.WebhookApp;
import io.opendatahub.mlflow.webhook.server.WebhookMetrics;
import io.opendatahub.mlflow.webhook.testing.EnableCrudApiServer;
import io.opendatahub.mlflow.webhook.testing.Eventually;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.HttpsClient;
import io.opendatahub.mlflow.webhook.testing.HttpsClient.Reply;
import io.opendatahub.mlflow.webhook.testing.TestApps;
import io.opendatahub.mlflow.webhook.testing.TestCertificates;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The whole path with the shipped policy: a ServiceAccount review reaches {@code /mutate}, the
 * account is stored, and its binding appears; a dry run leaves nothing behind.
 */
@EnableCrudApiServer
class AutoBindingOverHttpsTest {

  KubernetesClient client;

  @TempDir Path dir;

  private static ServiceAccount account(String name) {
    return account("team-a", name);
  }

  private static ServiceAccount account(String namespace, String name) {
    return new ServiceAccountBuilder().withNewMetadata().withNamespace(namespace).withName(name)
        .addToAnnotations("mlflow.opendatahub.io/integration", "true").endMetadata().build();
  }

  private RoleBinding binding(String account) {
    return binding("team-a", account);
  }

  private RoleBinding binding(String namespace, String account) {
    return client.rbac().roleBindings().inNamespace(namespace)
        .withName("mlflow-integration-" + account).get();
  }

  private void namespace(String name, Map<String, String> labels) {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name)
        .withLabels(labels).endMetadata().build()).create();
  }

  @Test
  void anOptedInAccountIsBoundAndADryRunLeavesNothing() throws Exception {
    // The shipped policy's scope: Data Science Projects, which the dashboard labels.
    namespace("team-a", Map.of("opendatahub.io/dashboard", "true"));
    namespace("scratch", Map.of());
    TestCertificates certs = TestCertificates.create(dir);
    Vertx vertx = Vertx.vertx();
    WebhookApp app = TestApps.start(vertx, certs, TestPolicies.shipped(), client, new WebhookMetrics());
    try (HttpsClient https = new HttpsClient(vertx, certs.caCert(), app.port())) {
      Eventually.until(Duration.ofSeconds(15), "/readyz answers 200",
          () -> https.get("/readyz").status(), s -> s == 200);
      JsonNode dryRun = Fixtures.JSON.valueToTree(account("trial"));
      JsonNode real = Fixtures.JSON.valueToTree(account("pipeline-runner"));

      Reply tried = https.post("/mutate", new Fixtures.Review().kind("", "v1", "ServiceAccount")
          .object(dryRun).dryRun(true).bytes());
      Reply admitted = https.post("/mutate", new Fixtures.Review()
          .kind("", "v1", "ServiceAccount").object(real).bytes());
      client.serviceAccounts().inNamespace("team-a").resource(account("pipeline-runner")).create();
      Reply outOfScope = https.post("/mutate", new Fixtures.Review()
          .kind("", "v1", "ServiceAccount").object(Fixtures.JSON.valueToTree(
              account("scratch", "pipeline-runner"))).bytes());
      client.serviceAccounts().inNamespace("scratch")
          .resource(account("scratch", "pipeline-runner")).create();

      RoleBinding bound = Eventually.until(Duration.ofSeconds(20),
          "the reconciler binds pipeline-runner",
          () -> binding("pipeline-runner"),
          b -> b != null);
      // The reconciler works in order on one thread: once an account created last is bound,
      // the out-of-scope account before it has been reconciled too.
      client.serviceAccounts().inNamespace("team-a").resource(account("marker")).create();
      Eventually.until(Duration.ofSeconds(20), "the reconciler binds the marker account",
          () -> binding("marker"), b -> b != null);

      assertThat(tried.response().path("allowed").asBoolean()).isTrue();
      assertThat(tried.response().has("patch")).isFalse();
      assertThat(admitted.response().path("allowed").asBoolean()).isTrue();
      assertThat(admitted.response().has("patch")).isFalse();
      assertThat(bound).isNotNull();
      assertThat(bound.getRoleRef().getName()).isEqualTo("mlflow-integration");
      assertThat(binding("trial")).as("nothing for the dry run").isNull();
      assertThat(outOfScope.response().path("allowed").asBoolean()).isTrue();
      assertThat(binding("scratch", "pipeline-runner")).as("nothing outside the scope").isNull();
    } finally {
      HttpsClient.await(app.stop());
      HttpsClient.await(vertx.close());
    }
  }
}
