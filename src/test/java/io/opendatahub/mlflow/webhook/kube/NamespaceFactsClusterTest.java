package io.opendatahub.mlflow.webhook.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NamespaceListBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
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
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Namespace labels come from an informer: a label change shows in decisions without a restart. */
@EnableCrudApiServer
class NamespaceFactsClusterTest {

  private static final Duration BOUND = Duration.ofSeconds(15);

  KubernetesClient client;
  KubernetesMockServer server;

  @TempDir Path certDir;

  private Vertx vertx;
  private WebhookApp app;
  private HttpsClient https;
  private TestCertificates certs;

  @BeforeEach
  void setUp() {
    certs = TestCertificates.create(certDir);
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    if (https != null) {
      https.close();
    }
    if (app != null) {
      HttpsClient.await(app.stop());
    }
    HttpsClient.await(vertx.close());
  }

  private void start(KubernetesClient kube) throws Exception {
    app = TestApps.start(vertx, certs, TestPolicies.shipped(), kube, new WebhookMetrics());
    https = new HttpsClient(vertx, certs.caCert(), app.port());
  }

  /** A client for an API server address where nothing listens. */
  private static KubernetesClient unreachable() {
    return new KubernetesClientBuilder().withConfig(new ConfigBuilder()
        .withMasterUrl("https://127.0.0.1:1").withRequestTimeout(500).withConnectionTimeout(500)
        .build()).build();
  }

  private boolean sqliteAllowed() {
    return https.post("/validate", Fixtures.mlflowReview(Fixtures.mlflow("sqlite-dev.yaml")).bytes())
        .response().path("allowed").asBoolean();
  }

  @Test
  void labellingANamespaceProductionChangesTheDecisionWithoutARestart() throws Exception {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata()
        .withName("redhat-ods-applications").endMetadata().build()).create();
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata()
        .withName("fraud-models").withLabels(Map.of("team", "fraud")).endMetadata().build()).create();
    start(client);

    Reply ready = Eventually.until(BOUND, "/readyz answers 200",
        () -> https.get("/readyz"), r -> r.status() == 200);
    assertThat(ready.status()).isEqualTo(200);
    assertThat(sqliteAllowed()).isTrue();

    client.namespaces().withName("fraud-models").edit(ns -> new NamespaceBuilder(ns).editMetadata()
        .addToLabels("mlflow-policy.io/environment", "production").endMetadata().build());

    assertThat(Eventually.until(BOUND, "the relabelled namespace makes SQLite denied",
        this::sqliteAllowed, allowed -> !allowed)).isFalse();
    Reply denied = https.post("/validate",
        Fixtures.mlflowReview(Fixtures.mlflow("sqlite-dev.yaml")).bytes());
    assertThat(denied.response().path("status").path("message").asString())
        .contains("set by namespace 'fraud-models'");

    client.namespaces().withName("fraud-models").delete();
    assertThat(Eventually.until(BOUND, "the namespace back in development allows SQLite",
        this::sqliteAllowed, allowed -> allowed)).isTrue();
  }

  @Test
  void admissionKeepsDecidingFromCachedFactsWhenTheApiServerGoesAway() throws Exception {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("fraud-models")
        .withLabels(Map.of("mlflow-policy.io/environment", "production")).endMetadata().build())
        .create();
    start(client);
    Eventually.until(BOUND, "/readyz answers 200",
        () -> https.get("/readyz"), r -> r.status() == 200);

    server.destroy();
    // The API server is gone once a new connection to it is refused; the service decides on.
    Eventually.until(BOUND, "the API server refuses connections", this::apiServerRefuses);

    assertThat(sqliteAllowed()).isFalse();
    assertThat(https.get("/healthz").status()).isEqualTo(200);
  }

  private boolean apiServerRefuses() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(server.getHostName(), server.getPort()), 1000);
      return false;
    } catch (IOException refused) {
      return true;
    }
  }

  @Test
  void notReadyUntilTheNamespaceCacheHasSynced() throws Exception {
    try (KubernetesClient unreachable = unreachable()) {
      start(unreachable);

      Reply ready = https.get("/readyz");

      assertThat(ready.status()).isEqualTo(503);
      assertThat(ready.json().path("waitingFor").toString()).contains("namespace-informer-synced");
      assertThat(https.get("/healthz").status()).isEqualTo(200);
    }
  }

  @Test
  void beforeTheFirstSyncAnMlflowCrIsJudgedAsTheStrictestEnvironment() throws Exception {
    try (KubernetesClient unreachable = unreachable()) {
      start(unreachable);

      Reply sqlite = https.post("/validate",
          Fixtures.mlflowReview(Fixtures.mlflow("sqlite-dev.yaml")).bytes());
      Reply remote = https.post("/validate",
          Fixtures.mlflowReview(Fixtures.mlflow("remote-storage.yaml")).bytes());

      assertThat(sqlite.response().path("allowed").asBoolean()).isFalse();
      assertThat(sqlite.response().path("status").path("message").asString())
          .contains("environment 'production' (the strictest: the service has not yet read the"
              + " cluster's namespaces");
      assertThat(remote.response().path("allowed").asBoolean()).isTrue();
    }
  }

  @Test
  void aSlowFirstListStillMakesTheServiceReady() throws Exception {
    Namespace production = client.namespaces().resource(new NamespaceBuilder().withNewMetadata()
        .withName("fraud-models").withLabels(Map.of("mlflow-policy.io/environment", "production"))
        .endMetadata().build()).create();
    // A slow API server: every list takes longer than a review may wait (this client's 500 ms);
    // only lists with their own, longer timeout can ever sync.
    server.expect().get().delay(2, TimeUnit.SECONDS)
        .withPath("/api/v1/namespaces?resourceVersion=0")
        .andReturn(200, new NamespaceListBuilder().withNewMetadata()
            .withResourceVersion(production.getMetadata().getResourceVersion()).endMetadata()
            .withItems(production).build())
        .always();
    try (KubernetesClient impatient = new KubernetesClientBuilder().withConfig(
        new ConfigBuilder(client.getConfiguration()).withRequestTimeout(500).build()).build()) {
      start(impatient);

      Reply ready = Eventually.until(Duration.ofSeconds(30), "/readyz answers 200",
          () -> https.get("/readyz"),
          r -> r.status() == 200);

      assertThat(ready.status()).isEqualTo(200);
      assertThat(sqliteAllowed()).isFalse();
      // Stop the service while its client is open: its watches close before the client does.
      HttpsClient.await(app.stop());
      app = null;
    }
  }

}
