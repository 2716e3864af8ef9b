package io.opendatahub.mlflow.webhook.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.opendatahub.mlflow.webhook.cli.WebhookApp;
import io.opendatahub.mlflow.webhook.server.WebhookMetrics;
import io.opendatahub.mlflow.webhook.testing.EnableCrudApiServer;
import io.opendatahub.mlflow.webhook.testing.Eventually;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.HttpsClient;
import io.opendatahub.mlflow.webhook.testing.RecordingApiServer;
import io.opendatahub.mlflow.webhook.testing.TestApps;
import io.opendatahub.mlflow.webhook.testing.TestCertificates;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The background audit on a (mock) cluster: what existed before the service started is reported
 * by {@code GET /audit} and the metrics, and the report follows namespace labels and the objects
 * themselves without a restart. Waits for the report to change; never sleeps a fixed time.
 */
@EnableCrudApiServer
class BackgroundAuditTest {

  private static final Duration BOUND = Duration.ofSeconds(20);

  KubernetesClient client;
  KubernetesMockServer server;

  @TempDir Path certDir;

  private Vertx vertx;
  private WebhookApp app;
  private HttpsClient https;

  @BeforeEach
  void setUp() {
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

  private WebhookMetrics start() {
    TestCertificates certs = TestCertificates.create(certDir);
    WebhookMetrics metrics = new WebhookMetrics();
    app = TestApps.start(vertx, certs, TestPolicies.shipped(), client, metrics);
    https = new HttpsClient(vertx, certs.caCert(), app.port());
    return metrics;
  }

  private void namespace(String name, Map<String, String> labels) {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name)
        .withLabels(labels).endMetadata().build()).create();
  }

  private void mlflow(String fixture) {
    GenericKubernetesResource cr = Fixtures.JSON.convertValue(Fixtures.mlflow(fixture),
        GenericKubernetesResource.class);
    client.genericKubernetesResources(ClusterAudit.MLFLOW).resource(cr).createOr(
        existing -> existing.update());
  }

  private void everyoneBinding() {
    client.rbac().roleBindings().inNamespace("team-a").resource(new RoleBindingBuilder()
        .withNewMetadata().withName("mlflow-for-everyone").withNamespace("team-a").endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
        .withName("mlflow-integration").endRoleRef()
        .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("Group")
        .withName("system:authenticated").endSubject().build()).create();
  }

  private JsonNode report(String query) {
    return https.get("/audit" + query).json();
  }

  /** The results of one object in the report, as "result rule" lines; empty when absent. */
  private static List<String> results(JsonNode report, String kind, String name) {
    List<String> lines = new ArrayList<>();
    for (JsonNode object : report.path("objects")) {
      if (object.path("kind").asString().equals(kind) && object.path("name").asString()
          .equals(name)) {
        object.path("results").forEach(r -> lines.add(r.path("result").asString() + " "
            + r.path("rule").asString()));
      }
    }
    return lines;
  }

  private List<String> mlflowResults() {
    return results(report(""), "MLflow", "mlflow");
  }

  /** A figure for the report (BENCHMARKS.md quotes them); not an assertion. */
  private static void figure(String what, long since) {
    System.out.printf("audit figure: %s: %d ms (polled every 50 ms over HTTPS)%n", what,
        (System.nanoTime() - since) / 1_000_000);
  }

  @Test
  void whatExistedBeforeStartIsReportedAndFollowsLabelsAndFixes() {
    namespace("redhat-ods-applications", Map.of());
    namespace("team-a", Map.of());
    mlflow("sqlite-dev.yaml");
    everyoneBinding();
    long started = System.nanoTime();
    WebhookMetrics metrics = start();

    JsonNode first = Eventually.until(BOUND, "/audit reports both objects, complete",
        () -> report(""), r -> r.path("complete").asBoolean()
            && !results(r, "RoleBinding", "mlflow-for-everyone").isEmpty()
            && !results(r, "MLflow", "mlflow").isEmpty());
    figure("start to a complete report", started);
    assertThat(results(first, "RoleBinding", "mlflow-for-everyone"))
        .as("the integration role bound to every authenticated user")
        .anyMatch(line -> line.startsWith("fail "));
    assertThat(results(first, "MLflow", "mlflow")).as("SQLite serving development only")
        .noneMatch(line -> line.startsWith("fail "));
    assertThat(first.path("policy").path("hash").asString())
        .isEqualTo(TestPolicies.shipped().hash());
    assertThat(first.path("summary").path("noncompliant").asInt()).isEqualTo(1);
    assertThat(metrics.scrape()).contains(
        "mlflow_webhook_audit_noncompliant_objects{kind=\"RoleBinding\"} 1");

    long relabelled = System.nanoTime();
    client.namespaces().withName("team-a").edit(ns -> new NamespaceBuilder(ns).editMetadata()
        .addToLabels("mlflow-policy.io/environment", "production").endMetadata().build());
    List<String> production = Eventually.until(BOUND, "the served namespace turned production"
        + " fails the SQLite instance", this::mlflowResults,
        lines -> lines.stream().anyMatch(line -> line.startsWith("fail ")));
    figure("namespace relabelled to the report", relabelled);
    assertThat(production).anyMatch(line -> line.contains("sqlite") || line.contains("store"));
    JsonNode failing = report("?result=fail");
    assertThat(results(failing, "MLflow", "mlflow")).allMatch(line -> line.startsWith("fail "));
    assertThat(metrics.scrape()).contains(
        "mlflow_webhook_audit_noncompliant_objects{kind=\"MLflow\"} 1");

    long fixing = System.nanoTime();
    mlflow("remote-storage.yaml");
    List<String> fixed = Eventually.until(BOUND, "the fixed CR passes", this::mlflowResults,
        lines -> !lines.isEmpty() && lines.stream().noneMatch(line -> line.startsWith("fail ")));
    figure("CR fixed to the report", fixing);
    assertThat(fixed).noneMatch(line -> line.startsWith("fail "));
    assertThat(results(report("?result=fail"), "MLflow", "mlflow")).isEmpty();
  }

  @Test
  void aDeletedObjectLeavesTheReport() {
    namespace("team-a", Map.of());
    everyoneBinding();
    start();
    Eventually.until(BOUND, "the binding is reported",
        () -> results(report(""), "RoleBinding", "mlflow-for-everyone"), l -> !l.isEmpty());

    client.rbac().roleBindings().inNamespace("team-a").withName("mlflow-for-everyone").delete();

    assertThat(Eventually.until(BOUND, "the deleted binding leaves the report",
        () -> results(report(""), "RoleBinding", "mlflow-for-everyone"), List::isEmpty))
        .isEmpty();
  }

  @Test
  void aPolicyChangeRejudgesWhatDidNotChange(@TempDir Path policyDir) {
    namespace("team-a", Map.of());
    everyoneBinding();
    start();
    Eventually.until(BOUND, "the binding to everyone fails",
        () -> results(report(""), "RoleBinding", "mlflow-for-everyone"),
        lines -> lines.stream().anyMatch(line -> line.startsWith("fail ")));

    var relaxed = TestPolicies.shippedWith(policyDir,
        "integrationRoles: [mlflow-integration, mlflow-operator-mlflow-integration]",
        "integrationRoles: [mlflow-operator-mlflow-integration]");
    app.policy().replace(relaxed);

    JsonNode after = Eventually.until(BOUND, "the binding leaves the report under a policy that"
        + " no longer guards its role", () -> report(""),
        r -> r.path("policy").path("hash").asString().equals(relaxed.hash())
            && results(r, "RoleBinding", "mlflow-for-everyone").isEmpty());
    assertThat(after.path("summary").path("noncompliant").asInt()).isZero();
  }

  @Test
  void anEmptyClusterGivesACompleteEmptyReport() {
    start();
    JsonNode report = Eventually.until(BOUND, "the report is complete", () -> report(""),
        r -> r.path("complete").asBoolean());
    assertThat(report.path("summary").path("objects").asInt()).isZero();
    assertThat(report.path("objects")).isEmpty();
    assertThat(report.path("unserved")).as("every kind served").isEmpty();
  }

  @Test
  void withoutTheMlflowCrdTheReportIsCompleteForRoleBindingsAndNamesTheUnservedKind() {
    try (RecordingApiServer api = new RecordingApiServer("mlflow.opendatahub.io");
        KubernetesClient withoutCrd = api.client()) {
      withoutCrd.namespaces().resource(new NamespaceBuilder().withNewMetadata()
          .withName("team-a").endMetadata().build()).create();
      TestCertificates certs = TestCertificates.create(certDir);
      app = TestApps.start(vertx, certs, TestPolicies.shipped(), withoutCrd, new WebhookMetrics());
      https = new HttpsClient(vertx, certs.caCert(), app.port());

      JsonNode report = Eventually.until(BOUND, "the report is complete", () -> report(""),
          r -> r.path("complete").asBoolean());

      assertThat(report.path("unserved")).singleElement().satisfies(kind -> {
        assertThat(kind.path("kind").asString()).isEqualTo("MLflow");
        assertThat(kind.path("reason").asString()).contains("CRD is not installed");
      });
      HttpsClient.await(app.stop());
      app = null;
    }
  }

  @Test
  void anUnknownResultFilterIsRefusedNamingTheChoices() {
    start();
    HttpsClient.Reply reply = https.get("/audit?result=broken");
    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.body()).contains("pass, fail, warn");
  }
}
