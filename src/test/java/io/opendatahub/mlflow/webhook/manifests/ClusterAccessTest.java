package io.opendatahub.mlflow.webhook.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.opendatahub.mlflow.webhook.cli.WebhookApp;
import io.opendatahub.mlflow.webhook.kube.ClusterAudit;
import io.opendatahub.mlflow.webhook.server.WebhookMetrics;
import io.opendatahub.mlflow.webhook.testing.EnableCrudApiServer;
import io.opendatahub.mlflow.webhook.testing.Eventually;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.HttpsClient;
import io.opendatahub.mlflow.webhook.testing.MockReviews;
import io.opendatahub.mlflow.webhook.testing.Kustomize;
import io.opendatahub.mlflow.webhook.testing.TestApps;
import io.opendatahub.mlflow.webhook.testing.TestCertificates;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Runs the service against a mock API server through every path that calls the cluster, then
 * checks the shipped RBAC against what it actually asked for, and the shipped alerts and
 * dashboard against the metrics it actually exposes.
 */
@EnableCrudApiServer
class ClusterAccessTest {

  private static final Pattern CORE = Pattern.compile("^/api/v1/(?:namespaces/[^/]+/)?([a-z]+)(/[^/?]+)?");
  private static final Pattern GROUPED =
      Pattern.compile("^/apis/([^/]+)/[^/]+/(?:namespaces/[^/]+/)?([a-z]+)(/[^/?]+)?");
  private static final String EVENTS = "/apis/events.k8s.io/v1/namespaces/default/events";
  /**
   * API discovery (the policy-report writer asks which report API is served): non-resource
   * URLs that every authenticated user may read (the built-in system:discovery role).
   */
  private static final Pattern DISCOVERY =
      Pattern.compile("^(/api(/[^/?]+)?|/apis(/[^/?]+){0,2})$");
  private static final Pattern METRIC = Pattern.compile("mlflow_webhook_[a-z_]+");

  KubernetesMockServer server;
  KubernetesClient client;

  @TempDir Path dir;

  /** (group, resource, verb) of one API request, as RBAC sees it. */
  record Access(String group, String resource, String verb) {}

  @ParameterizedTest(name = "authority: {0}")
  @ValueSource(strings = {"kubernetes", "local"})
  void theShippedRbacCoversEveryCallAndTheAlertsUseRealMetrics(String authority) throws Exception {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("team-a")
        .endMetadata().build()).create();
    // An MLflow CR with findings, so the audit's leader writes an Event about it.
    client.genericKubernetesResources(ClusterAudit.MLFLOW).resource(Fixtures.JSON.convertValue(
        Fixtures.mlflow("postgres-inline.yaml"), GenericKubernetesResource.class)).create();
    MockReviews.everyTokenIs(server, "alice");
    server.expect().post().withPath(MockReviews.ACCESS_REVIEWS)
        .andReturn(200, MockReviews.accessReview(Map.of("allowed", true))).always();
    int before = server.getRequestCount();

    TestCertificates certs = TestCertificates.create(dir);
    WebhookMetrics metrics = new WebhookMetrics();
    Vertx vertx = WebhookApp.vertx(metrics);
    WebhookApp app = TestApps.start(vertx, certs, TestPolicies.shippedWith(dir.resolve("policy"),
        "authority: kubernetes", "authority: " + authority), client, metrics);
    HttpsClient https = new HttpsClient(vertx, certs.caCert(), app.port());
    Eventually.until(Duration.ofSeconds(15), "/readyz answers 200",
        () -> https.get("/readyz").status(), s -> s == 200);
    https.post("/validate", Fixtures.mlflowReview(Fixtures.mlflow("postgres-inline.yaml")).bytes());
    https.post("/mutate", Fixtures.mlflowReview(Fixtures.mlflow("sqlite-no-storage.yaml")).bytes());
    authorize(vertx, certs, app.port());
    List<Event> events = Eventually.until(Duration.ofSeconds(20), "an audit Event is written",
        () -> client.events().v1().events().inNamespace("default")
            .withLabel("app.kubernetes.io/managed-by", "mlflow-policy-webhook").list().getItems(),
        list -> !list.isEmpty());
    assertThat(events.get(0).getNote()).as("the Event names the finding, not the password")
        .contains("postgresql://").doesNotContain("s3cr3t-pa55");
    String scrape = https.get("/metrics").body();
    https.close();
    HttpsClient.await(app.stop());
    HttpsClient.await(vertx.close());

    Set<Access> calls = new java.util.HashSet<>();
    int total = server.getRequestCount();
    for (int i = 0; i < total; i++) {
      RecordedRequest request = server.takeRequest(1, TimeUnit.SECONDS);
      if (i >= before && request != null && !testReadsEvents(request)
          && !discovery(request)) {
        calls.add(access(request));
      }
    }
    String rbacGroup = "rbac.authorization.k8s.io";
    if (authority.equals("local")) {
      assertThat(calls).contains(new Access(rbacGroup, "roles", "watch"),
          new Access(rbacGroup, "clusterroles", "watch"),
          new Access(rbacGroup, "clusterrolebindings", "watch"));
    } else {
      assertThat(calls).contains(
          new Access("authorization.k8s.io", "subjectaccessreviews", "create"));
    }
    assertThat(calls).contains(new Access("", "namespaces", "list"),
        new Access("", "namespaces", "watch"),
        new Access("authentication.k8s.io", "tokenreviews", "create"),
        new Access("", "serviceaccounts", "watch"),
        new Access("rbac.authorization.k8s.io", "rolebindings", "watch"),
        new Access("coordination.k8s.io", "leases", "create"),
        new Access("events.k8s.io", "events", "create"));
    List<ObjectNode> base = Kustomize.build(Path.of("manifests/base"));
    List<ObjectNode> roles = List.of(Kustomize.find(base, "ClusterRole", "mlflow-policy-webhook"),
        Kustomize.find(base, "Role", "mlflow-policy-webhook-leader-election"));
    assertThat(calls).allSatisfy(call -> assertThat(roles.stream().anyMatch(r -> allows(r, call)))
        .as("the shipped roles allow " + call).isTrue());

    Set<String> used = new TreeSet<>();
    for (String file : List.of("manifests/monitoring/prometheusrule.yaml",
        "manifests/monitoring/grafana-dashboard.json")) {
      Matcher names = METRIC.matcher(Files.readString(Path.of(file)));
      while (names.find()) {
        used.add(names.group());
      }
    }
    assertThat(used).isNotEmpty().allSatisfy(name -> assertThat(scrape)
        .as("the service exposes " + name).contains(name));
  }

  private static void authorize(Vertx vertx, TestCertificates certs, int port) {
    var http = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions().setSsl(true)
        .setTrustOptions(new io.vertx.core.net.PemTrustOptions().addCertPath(certs.caCert().toString()))
        .setDefaultHost("localhost").setDefaultPort(port));
    String body = "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectAccessReview\","
        + "\"spec\":{\"resourceAttributes\":{\"namespace\":\"team-a\",\"verb\":\"get\","
        + "\"group\":\"mlflow.kubeflow.org\",\"resource\":\"experiments\"}}}";
    int status = HttpsClient.await(Future.<Integer>future(promise -> vertx.getOrCreateContext()
        .runOnContext(v -> http.request(HttpMethod.POST, "/authorize").compose(request -> request
            .putHeader("Content-Type", "application/json").putHeader("Authorization", "Bearer t")
            .send(Buffer.buffer(body.getBytes(StandardCharsets.UTF_8))))
            .compose(response -> response.body().map(b -> response.statusCode()))
            .onComplete(promise))));
    assertThat(status).isEqualTo(200);
    http.close();
  }

  /** The test's own look for the audit's Event (the service never reads Events). */
  private static boolean testReadsEvents(RecordedRequest request) {
    return request.getMethod().equals("GET") && request.getPath().startsWith(EVENTS)
        && request.getPath().contains("labelSelector=");
  }

  static boolean discovery(RecordedRequest request) {
    return request.getMethod().equals("GET") && DISCOVERY.matcher(request.getPath()).matches();
  }

  static Access access(RecordedRequest request) {
    String path = request.getPath();
    String method = request.getMethod();
    Matcher core = CORE.matcher(path);
    Matcher grouped = GROUPED.matcher(path);
    String group;
    String resource;
    boolean named;
    if (grouped.find()) {
      group = grouped.group(1);
      resource = grouped.group(2);
      named = grouped.group(3) != null;
    } else if (core.find()) {
      group = "";
      resource = core.group(1);
      named = core.group(2) != null;
    } else {
      throw new AssertionError("unexpected API path " + path);
    }
    String verb = switch (method) {
      case "GET" -> path.contains("watch=true") ? "watch" : named ? "get" : "list";
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> named ? "delete" : "deletecollection";
      default -> method.toLowerCase(java.util.Locale.ROOT);
    };
    return new Access(group, resource, verb);
  }

  static boolean allows(JsonNode role, Access call) {
    for (JsonNode rule : role.path("rules")) {
      if (contains(rule.path("apiGroups"), call.group())
          && contains(rule.path("resources"), call.resource())
          && contains(rule.path("verbs"), call.verb())) {
        return true;
      }
    }
    return false;
  }

  private static boolean contains(JsonNode list, String value) {
    for (JsonNode item : list) {
      if (item.asString().equals(value) || item.asString().equals("*")) {
        return true;
      }
    }
    return false;
  }
}
