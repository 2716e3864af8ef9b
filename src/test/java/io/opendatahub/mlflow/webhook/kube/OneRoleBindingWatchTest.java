package io.opendatahub.mlflow.webhook.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.opendatahub.mlflow.webhook.cli.WebhookApp;
import io.opendatahub.mlflow.webhook.server.WebhookMetrics;
import io.opendatahub.mlflow.webhook.testing.Eventually;
import io.opendatahub.mlflow.webhook.testing.HttpsClient;
import io.opendatahub.mlflow.webhook.testing.RecordingApiServer;
import io.opendatahub.mlflow.webhook.testing.TestApps;
import io.opendatahub.mlflow.webhook.testing.TestCertificates;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With {@code authority: local} the service needs every RoleBinding twice, for the local
 * authority and for the audit: it lists and watches them once, as the API server's request log
 * shows, and both read the one cache.
 */
class OneRoleBindingWatchTest {

  private static final String ROLE_BINDINGS = "/apis/rbac.authorization.k8s.io/v1/rolebindings?";

  @TempDir Path dir;

  @Test
  void theLocalAuthorityAndTheAuditShareOneListAndWatch() {
    try (RecordingApiServer api = new RecordingApiServer(null);
        KubernetesClient client = api.client()) {
      client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("team-a")
          .endMetadata().build()).create();
      client.rbac().roleBindings().inNamespace("team-a").resource(new RoleBindingBuilder()
          .withNewMetadata().withName("mlflow-for-everyone").withNamespace("team-a")
          .endMetadata().withNewRoleRef().withApiGroup("rbac.authorization.k8s.io")
          .withKind("ClusterRole").withName("mlflow-integration").endRoleRef()
          .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("Group")
          .withName("system:authenticated").endSubject().build()).create();
      TestCertificates certs = TestCertificates.create(dir.resolve("certs"));
      Vertx vertx = Vertx.vertx();
      WebhookApp app = TestApps.start(vertx, certs, TestPolicies.shippedWith(dir.resolve("policy"),
          "authority: kubernetes", "authority: local"), client, new WebhookMetrics());
      try (HttpsClient https = new HttpsClient(vertx, certs.caCert(), app.port())) {
        Eventually.until(Duration.ofSeconds(20), "ready, and the audit complete with the binding",
            () -> https.get("/readyz").status() == 200
                && https.get("/audit").json().path("complete").asBoolean()
                && https.get("/audit").json().path("summary").path("objects").asInt() == 1);

        // The binding reconciler watches only the bindings it manages (a label selector).
        assertThat(api.requests()).filteredOn(r -> r.contains(ROLE_BINDINGS)
            && !r.contains("labelSelector")).as("unfiltered RoleBinding requests")
            .satisfiesExactlyInAnyOrder(list -> assertThat(list).doesNotContain("watch=true"),
                watch -> assertThat(watch).contains("watch=true"));
      } finally {
        HttpsClient.await(app.stop());
        HttpsClient.await(vertx.close());
      }
    }
  }
}
