package io.opendatahub.mlflow.webhook.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.opendatahub.mlflow.webhook.authz.AccessDecision;
import io.opendatahub.mlflow.webhook.authz.Identity;
import io.opendatahub.mlflow.webhook.authz.ResourceAttributes;
import io.opendatahub.mlflow.webhook.cli.WebhookApp;
import io.opendatahub.mlflow.webhook.authz.AuthorityUnavailableException;
import io.opendatahub.mlflow.webhook.authz.LocalAuthority;
import io.opendatahub.mlflow.webhook.server.WebhookMetrics;
import io.opendatahub.mlflow.webhook.testing.EnableCrudApiServer;
import io.opendatahub.mlflow.webhook.testing.Eventually;
import io.opendatahub.mlflow.webhook.testing.HttpsClient;
import io.opendatahub.mlflow.webhook.testing.MockReviews;
import io.opendatahub.mlflow.webhook.testing.TestApps;
import io.opendatahub.mlflow.webhook.testing.TestCertificates;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** {@code authority: local} on a cluster: RBAC from informers, follows changes, fails closed. */
@EnableCrudApiServer
class LocalAuthorityOnClusterTest {

  private static final Identity ALICE = new Identity("alice", "", List.of("system:authenticated"),
      Map.of());
  private static final ResourceAttributes CREATE_EXPERIMENT = new ResourceAttributes("team-a",
      "create", "mlflow.kubeflow.org", "", "experiments", "", "");

  KubernetesMockServer server;
  KubernetesClient client;

  @TempDir Path dir;

  @Test
  void followsRoleBindingsAsTheyChangeAndFailsClosedBeforeItHasSynced() throws Exception {
    client.resource(new ClusterRoleBuilder().withNewMetadata().withName("mlflow-edit")
        .endMetadata().addNewRule().withApiGroups("mlflow.kubeflow.org")
        .withResources("experiments").withVerbs("create").endRule().build()).create();
    try (InformerRbac informers = new InformerRbac(client)) {
      LocalAuthority authority = new LocalAuthority(informers::snapshot,
          token -> CompletableFuture.completedFuture(Optional.empty()));
      assertThatThrownBy(() -> decide(authority)).hasCauseInstanceOf(
          AuthorityUnavailableException.class).hasMessageContaining("have not synced");

      informers.start().get(10, TimeUnit.SECONDS);
      assertThat(decide(authority).allowed()).isFalse();

      RoleBinding binding = client.resource(new RoleBindingBuilder().withNewMetadata()
          .withName("alice-edits").withNamespace("team-a").endMetadata()
          .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "mlflow-edit")
          .addNewSubject().withKind("User").withName("alice").endSubject().build()).create();
      AccessDecision allowed = Eventually.until(Duration.ofSeconds(10),
          "the local authority allows alice",
          () -> decide(authority),
          AccessDecision::allowed);
      assertThat(allowed.reason()).isEqualTo("local authority (RBAC only): RBAC: allowed by"
          + " RoleBinding \"alice-edits/team-a\" of ClusterRole \"mlflow-edit\" to User \"alice\"");

      client.resource(binding).delete();
      Eventually.until(Duration.ofSeconds(10), "the local authority stops allowing alice",
          () -> decide(authority), d -> !d.allowed());
    }
  }

  @Test
  void theServiceAnswersFromClusterRbacWhenThePolicySaysLocal() throws Exception {
    MockReviews.everyTokenIs(server, "alice");
    client.resource(new ClusterRoleBuilder().withNewMetadata().withName("mlflow-view")
        .endMetadata().addNewRule().withApiGroups("mlflow.kubeflow.org")
        .withResources("experiments").withVerbs("get").endRule().build()).create();
    client.resource(new RoleBindingBuilder().withNewMetadata().withName("alice-views")
        .withNamespace("team-a").endMetadata()
        .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "mlflow-view")
        .addNewSubject().withKind("User").withName("alice").endSubject().build()).create();
    TestCertificates certs = TestCertificates.create(dir.resolve("certs"));
    Vertx vertx = Vertx.vertx();
    WebhookApp app = TestApps.start(vertx, certs, TestPolicies.shippedWith(dir.resolve("policy"),
        "authority: kubernetes", "authority: local"), client, new WebhookMetrics());
    try (HttpsClient https = new HttpsClient(vertx, certs.caCert(), app.port())) {
      Eventually.until(Duration.ofSeconds(15), "/readyz answers 200",
          () -> https.get("/readyz").status(), s -> s == 200);

      JsonNode get = ask(https, "get");
      JsonNode create = ask(https, "create");

      assertThat(get.path("allowed").asBoolean()).isTrue();
      assertThat(get.path("reason").asString()).startsWith("local authority (RBAC only)");
      assertThat(create.path("allowed").asBoolean()).isFalse();
      assertThat(server.getRequestCount()).isPositive();
      assertThat(accessReviewsSent()).isZero();
    } finally {
      HttpsClient.await(app.stop());
      HttpsClient.await(vertx.close());
    }
  }

  @Test
  void aPolicyReloadSwitchesTheAuthorityWithoutARestart() throws Exception {
    MockReviews.everyTokenIs(server, "alice");
    server.expect().post().withPath(MockReviews.ACCESS_REVIEWS)
        .andReturn(200, MockReviews.accessReview(Map.of("allowed", true,
            "reason", "the API server's authorizer chain"))).always();
    TestCertificates certs = TestCertificates.create(dir.resolve("certs"));
    Vertx vertx = Vertx.vertx();
    WebhookApp app = TestApps.start(vertx, certs, TestPolicies.shipped(), client,
        new WebhookMetrics());
    try (HttpsClient https = new HttpsClient(vertx, certs.caCert(), app.port())) {
      Eventually.until(Duration.ofSeconds(15), "/readyz answers 200",
          () -> https.get("/readyz").status(), s -> s == 200);
      assertThat(ask(https, "get").path("reason").asString())
          .isEqualTo("the API server's authorizer chain");

      app.policy().replace(TestPolicies.shippedWith(dir.resolve("policy"),
          "authority: kubernetes", "authority: local"));

      JsonNode local = Eventually.until(Duration.ofSeconds(10),
          "the reloaded policy switches /authorize to the local authority",
          () -> ask(https, "get"),
          answer -> answer.path("reason").asString().startsWith("local authority"));
      assertThat(local.path("allowed").asBoolean()).isFalse();
      assertThat(https.get("/readyz").status()).isEqualTo(200);
    } finally {
      HttpsClient.await(app.stop());
      HttpsClient.await(vertx.close());
    }
  }

  private int accessReviewsSent() throws InterruptedException {
    int sent = 0;
    int total = server.getRequestCount();
    for (int i = 0; i < total; i++) {
      var request = server.takeRequest(1, TimeUnit.SECONDS);
      if (request != null && request.getPath().contains("subjectaccessreviews")) {
        sent++;
      }
    }
    return sent;
  }

  private static JsonNode ask(HttpsClient https, String verb) {
    String body = "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectAccessReview\","
        + "\"spec\":{\"resourceAttributes\":{\"namespace\":\"team-a\",\"verb\":\"" + verb + "\","
        + "\"group\":\"mlflow.kubeflow.org\",\"resource\":\"experiments\"}}}";
    return HttpsClient.await(https.sendWith(HttpMethod.POST, "/authorize",
        Map.of("Content-Type", "application/json", "Authorization", "Bearer alice-token"),
        body.getBytes(StandardCharsets.UTF_8))).json().path("status");
  }

  private static AccessDecision decide(LocalAuthority authority) {
    try {
      return authority.review(ALICE, CREATE_EXPERIMENT).get(5, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
