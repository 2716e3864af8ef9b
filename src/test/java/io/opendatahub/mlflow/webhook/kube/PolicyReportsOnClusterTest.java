package io.opendatahub.mlflow.webhook.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.opendatahub.mlflow.webhook.audit.ReportApi;
import io.opendatahub.mlflow.webhook.cli.WebhookApp;
import io.opendatahub.mlflow.webhook.server.WebhookMetrics;
import io.opendatahub.mlflow.webhook.testing.EnableCrudApiServer;
import io.opendatahub.mlflow.webhook.testing.Eventually;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.HttpsClient;
import io.opendatahub.mlflow.webhook.testing.ReportCrds;
import io.opendatahub.mlflow.webhook.testing.TestApps;
import io.opendatahub.mlflow.webhook.testing.TestCertificates;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The whole service on a (mock) cluster with the openreports.io CRDs installed: what existed
 * before it started is published as policy reports, the reports follow namespace labels, fixes
 * and policy changes, and an unchanged cluster costs no report writes however often the audit
 * runs. Waits for the reports to change; never sleeps a fixed time before asserting.
 */
@EnableCrudApiServer
class PolicyReportsOnClusterTest {

  private static final Duration BOUND = Duration.ofSeconds(30);
  /** Short, so that several full audit passes fit in the quiet window below. */
  private static final Duration AUDIT_PERIOD = Duration.ofMillis(200);
  private static final ReportApi API = ReportApi.OPENREPORTS;

  KubernetesClient client;
  KubernetesMockServer server;

  @TempDir Path certDir;

  private Vertx vertx;
  private WebhookApp app;
  private TestCertificates certs;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    if (app != null) {
      HttpsClient.await(app.stop());
    }
    HttpsClient.await(vertx.close());
  }

  private void start(io.opendatahub.mlflow.webhook.policy.Policy policy) {
    certs = TestCertificates.create(certDir);
    app = TestApps.start(vertx, certs, policy, client,
        new WebhookMetrics(), AUDIT_PERIOD);
  }

  private void namespace(String name) {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name)
        .endMetadata().build()).create();
  }

  private String mlflow(String fixture) {
    GenericKubernetesResource cr = Fixtures.JSON.convertValue(Fixtures.mlflow(fixture),
        GenericKubernetesResource.class);
    return client.genericKubernetesResources(ClusterAudit.MLFLOW).resource(cr)
        .createOr(existing -> existing.update()).getMetadata().getUid();
  }

  private String everyoneBinding() {
    return client.rbac().roleBindings().inNamespace("team-a").resource(new RoleBindingBuilder()
        .withNewMetadata().withName("mlflow-for-everyone").withNamespace("team-a").endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
        .withName("mlflow-integration").endRoleRef()
        .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("Group")
        .withName("system:authenticated").endSubject().build()).create().getMetadata().getUid();
  }

  /** The report named {@code uid}, as JSON; null when there is none. */
  private JsonNode report(String namespace, String uid) {
    var kinds = client.genericKubernetesResources(KubeReportStore.context(API,
        namespace != null));
    GenericKubernetesResource report = namespace == null ? kinds.withName(uid).get()
        : kinds.inNamespace(namespace).withName(uid).get();
    return report == null ? null
        : client.getKubernetesSerialization().convertValue(report, JsonNode.class);
  }

  private static int count(JsonNode report, String result) {
    return report == null ? -1 : report.path("summary").path(result).asInt(-1);
  }

  /** Report writes the API server received since the last call (the log is drained). */
  private List<String> reportWrites() throws InterruptedException {
    List<String> writes = new ArrayList<>();
    RecordedRequest request;
    while ((request = server.takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
      if (!request.getMethod().equals("GET")
          && request.getPath().startsWith("/apis/" + API.group() + "/")) {
        writes.add(request.getMethod() + " " + request.getPath());
      }
    }
    return writes;
  }

  /** A figure for the report; not an assertion. */
  private static void figure(String what, long since) {
    System.out.printf("report figure: %s: %d ms (polled every 50 ms)%n", what,
        (System.nanoTime() - since) / 1_000_000);
  }

  @Test
  void whatExistedBeforeStartIsReportedAndFollowsLabelsFixesAndPolicy(@TempDir Path policyDir)
      throws Exception {
    ReportCrds.install(client, ReportCrds.OPENREPORTS);
    namespace("redhat-ods-applications");
    namespace("team-a");
    String instance = mlflow("sqlite-dev.yaml");
    String binding = everyoneBinding();
    long started = System.nanoTime();
    start(TestPolicies.shipped());

    JsonNode bindingReport = Eventually.until(BOUND, "the binding's report is written",
        () -> report("team-a", binding), r -> r != null);
    JsonNode instanceReport = Eventually.until(BOUND, "the instance's report is written",
        () -> report(null, instance), r -> r != null);
    figure("start to both reports written", started);
    assertThat(bindingReport.path("kind").asString()).isEqualTo("Report");
    assertThat(bindingReport.path("scope").path("name").asString())
        .isEqualTo("mlflow-for-everyone");
    assertThat(bindingReport.path("metadata").path("ownerReferences").get(0).path("uid")
        .asString()).isEqualTo(binding);
    assertThat(bindingReport.path("metadata").path("labels")
        .path("app.kubernetes.io/managed-by").asString()).isEqualTo("mlflow-policy-webhook");
    assertThat(bindingReport.path("results")).anyMatch(r -> r.path("result").asString()
        .equals("fail") && r.path("rule").asString().equals("rolebinding-forbidden-group"));
    assertThat(count(bindingReport, "fail")).isEqualTo(bindingReport.path("results").size());
    assertThat(instanceReport.path("kind").asString()).isEqualTo("ClusterReport");
    assertThat(count(instanceReport, "fail")).as("SQLite serving development only").isZero();

    long relabelled = System.nanoTime();
    client.namespaces().withName("team-a").edit(ns -> new NamespaceBuilder(ns).editMetadata()
        .addToLabels("mlflow-policy.io/environment", "production").endMetadata().build());
    JsonNode production = Eventually.until(BOUND, "the instance's report fails once a served"
        + " namespace is production", () -> report(null, instance), r -> count(r, "fail") > 0);
    figure("namespace relabelled to the instance's report failing", relabelled);
    assertThat(production.path("results")).anyMatch(r -> r.path("result").asString()
        .equals("fail") && r.path("severity").asString().equals("high"));

    long fixing = System.nanoTime();
    mlflow("remote-storage.yaml");
    JsonNode fixed = Eventually.until(BOUND, "the fixed instance's report passes",
        () -> report(null, instance), r -> count(r, "fail") == 0);
    figure("CR fixed to its report passing", fixing);
    assertThat(fixed.path("results")).noneMatch(r -> r.path("result").asString()
        .equals("fail"));

    reportWrites();
    Eventually.pace(AUDIT_PERIOD.multipliedBy(15));
    assertThat(reportWrites()).as("report writes over ~15 audit periods of an unchanged cluster")
        .isEmpty();

    var relaxed = TestPolicies.shippedWith(policyDir,
        "integrationRoles: [mlflow-integration, mlflow-operator-mlflow-integration]",
        "integrationRoles: [mlflow-operator-mlflow-integration]");
    app.policy().replace(relaxed);
    Eventually.until(BOUND, "the report of a binding the policy no longer guards is deleted",
        () -> report("team-a", binding), r -> r == null);
    assertThat(report(null, instance)).as("the instance is still audited").isNotNull();
  }

  @Test
  void withoutAReportCrdNothingIsWrittenAndTheAuditStillAnswers() throws Exception {
    namespace("team-a");
    everyoneBinding();
    start(TestPolicies.shipped());
    HttpsClient https = new HttpsClient(vertx, certs.caCert(), app.port());
    try {
      Eventually.until(BOUND, "the audit reports the binding", () -> https.get("/audit").json()
          .path("summary").path("noncompliant").asInt() == 1);
    } finally {
      https.close();
    }
    Eventually.pace(AUDIT_PERIOD.multipliedBy(5));
    List<String> calls = new ArrayList<>();
    RecordedRequest request;
    while ((request = server.takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
      if (request.getPath().startsWith("/apis/openreports.io")
          || request.getPath().startsWith("/apis/wgpolicyk8s.io")) {
        calls.add(request.getMethod() + " " + request.getPath());
      }
    }
    assertThat(calls).as("the leader asked discovery, and made no report call")
        .contains("GET /apis/openreports.io/v1alpha1", "GET /apis/wgpolicyk8s.io/v1alpha2")
        .allMatch(call -> call.equals("GET /apis/openreports.io/v1alpha1")
            || call.equals("GET /apis/wgpolicyk8s.io/v1alpha2"));
  }
}
