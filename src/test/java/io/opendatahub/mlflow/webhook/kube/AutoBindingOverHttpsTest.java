package io.opendatahub.mlflow.webhook.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.opendatahub.mlflow.webhook.cli.WebhookApp;
import io.opendatahub.mlflow.webhook.server.WebhookMetrics;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The whole path with the shipped policy: a ServiceAccount review reaches {@code /mutate}, the
 * account is stored, and its binding appears; a dry run leaves nothing behind.
 */
@EnableKubernetesMockClient(crud = true)
class AutoBindingOverHttpsTest {

  KubernetesClient client;

  @TempDir Path dir;

  private static ServiceAccount account(String name) {
    return new ServiceAccountBuilder().withNewMetadata().withNamespace("team-a").withName(name)
        .addToAnnotations("mlflow.opendatahub.io/integration", "true").endMetadata().build();
  }

  private RoleBinding binding(String account) {
    return client.rbac().roleBindings().inNamespace("team-a")
        .withName("mlflow-integration-" + account).get();
  }

  @Test
  void anOptedInAccountIsBoundAndADryRunLeavesNothing() throws Exception {
    TestCertificates certs = TestCertificates.create(dir);
    Vertx vertx = Vertx.vertx();
    WebhookApp app = TestApps.start(vertx, certs, TestPolicies.shipped(), client, new WebhookMetrics());
    try (HttpsClient https = new HttpsClient(vertx, certs.caCert(), app.port())) {
      Eventually.poll(Duration.ofSeconds(15), () -> https.get("/readyz").status(), s -> s == 200);
      JsonNode dryRun = Fixtures.JSON.valueToTree(account("trial"));
      JsonNode real = Fixtures.JSON.valueToTree(account("pipeline-runner"));

      Reply tried = https.post("/mutate", new Fixtures.Review().kind("", "v1", "ServiceAccount")
          .object(dryRun).dryRun(true).bytes());
      Reply admitted = https.post("/mutate", new Fixtures.Review()
          .kind("", "v1", "ServiceAccount").object(real).bytes());
      client.serviceAccounts().inNamespace("team-a").resource(account("pipeline-runner")).create();

      RoleBinding bound = Eventually.poll(Duration.ofSeconds(20), () -> binding("pipeline-runner"),
          b -> b != null);
      Thread.sleep(500);

      assertThat(tried.response().path("allowed").asBoolean()).isTrue();
      assertThat(tried.response().has("patch")).isFalse();
      assertThat(admitted.response().path("allowed").asBoolean()).isTrue();
      assertThat(admitted.response().has("patch")).isFalse();
      assertThat(bound).isNotNull();
      assertThat(bound.getRoleRef().getName()).isEqualTo("mlflow-integration");
      assertThat(binding("trial")).as("nothing for the dry run").isNull();
    } finally {
      HttpsClient.await(app.stop());
      HttpsClient.await(vertx.close());
    }
  }
}
