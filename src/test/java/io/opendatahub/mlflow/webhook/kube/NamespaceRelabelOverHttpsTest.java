package io.opendatahub.mlflow.webhook.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A Namespace relabel through {@code POST /validate} over TLS, with the MLflow CRs from the
 * audit's informer on the mock API server: the warning names the instance the cluster holds
 * now, and follows the CR when it changes; standalone there is no instance and nothing to say.
 */
@EnableCrudApiServer
class NamespaceRelabelOverHttpsTest {

  private static final Duration BOUND = Duration.ofSeconds(20);
  private static final String UID = "7d1c0a52-0000-4000-8000-00000000abcd";

  KubernetesClient client;

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

  private void start(KubernetesClient kube) {
    app = TestApps.start(vertx, certs, TestPolicies.shipped(), kube, new WebhookMetrics());
    https = new HttpsClient(vertx, certs.caCert(), app.port());
  }

  private static ObjectNode namespace(Map<String, String> labels) {
    ObjectNode namespace = Fixtures.JSON.createObjectNode().put("apiVersion", "v1")
        .put("kind", "Namespace");
    ObjectNode labelNode = namespace.putObject("metadata").put("name", "team-dev")
        .putObject("labels");
    labels.forEach(labelNode::put);
    return namespace;
  }

  private Reply relabel(Map<String, String> before, Map<String, String> after) {
    return https.post("/validate", new Fixtures.Review().uid(UID).kind("", "v1", "Namespace")
        .operation("UPDATE").object(namespace(after)).oldObject(namespace(before)).bytes());
  }

  private Reply toProduction() {
    return relabel(Map.of("team", "dev"),
        Map.of("team", "dev", "mlflow-policy.io/environment", "production"));
  }

  private static List<String> warnings(Reply reply) {
    return reply.response().path("warnings").valueStream().map(JsonNode::asString).toList();
  }

  private void mlflow(String fixture) {
    GenericKubernetesResource cr = Fixtures.JSON.convertValue(Fixtures.mlflow(fixture),
        GenericKubernetesResource.class);
    client.genericKubernetesResources(ClusterAudit.MLFLOW).resource(cr).createOr(
        existing -> existing.update());
  }

  @Test
  void onAClusterTheWarningNamesTheInstanceItHoldsAndFollowsItsChanges() {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata()
        .withName("redhat-ods-applications").endMetadata().build()).create();
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("team-dev")
        .withLabels(Map.of("team", "dev")).endMetadata().build()).create();
    mlflow("sqlite-dev.yaml");
    start(client);
    Eventually.until(BOUND, "/readyz answers 200", () -> https.get("/readyz"),
        r -> r.status() == 200);

    // /readyz can answer before the MLflow informer holds the CR: until then the relabel is
    // answered with a "not checked" warning, which is not the answer this test waits for.
    Reply warned = Eventually.until(BOUND, "the relabel is judged against the informer's CR",
        this::toProduction, r -> !warnings(r).isEmpty()
            && warnings(r).stream().noneMatch(w -> w.contains("not checked")));

    assertThat(warned.status()).isEqualTo(200);
    assertThat(warned.response().path("uid").asString()).isEqualTo(UID);
    assertThat(warned.response().path("allowed").asBoolean()).isTrue();
    assertThat(warnings(warned)).first().asString()
        .startsWith("metadata.labels: MLflow 'mlflow' serves namespace 'team-dev' and, with these"
            + " labels, breaks rule metadata-store-scheme");
    assertThat(warnings(warned)).allSatisfy(w -> assertThat(w).doesNotContain("not checked"));
    assertThat(warnings(relabel(Map.of("team", "dev"), Map.of("team", "ml")))).isEmpty();
    assertThat(https.get("/metrics").body())
        .contains("mlflow_webhook_policy_findings_total{action=\"warn\",rule=\"namespace-relabel\"}")
        .containsPattern("mlflow_webhook_admission_seconds_count\\{decision=\"allowed\","
            + "endpoint=\"validate\",kind=\"Namespace\",operation=\"UPDATE\"}");

    // The CR fixed: the informer's copy changes, and so does the answer.
    mlflow("remote-storage.yaml");
    Reply fixed = Eventually.until(BOUND, "the fixed CR brings no finding", this::toProduction,
        r -> warnings(r).isEmpty());
    assertThat(fixed.response().path("allowed").asBoolean()).isTrue();
  }

  @Test
  void standaloneThereIsNoInstanceAndTheRelabelPassesWithoutAWord() {
    start(null);

    Reply reply = toProduction();

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.response().path("allowed").asBoolean()).isTrue();
    assertThat(reply.response().has("warnings")).isFalse();
  }
}
