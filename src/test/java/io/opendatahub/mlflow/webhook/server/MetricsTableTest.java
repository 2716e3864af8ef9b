package io.opendatahub.mlflow.webhook.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.opendatahub.mlflow.webhook.cli.WebhookApp;
import io.opendatahub.mlflow.webhook.kube.ClusterAudit;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.policy.PolicyLoader;
import io.opendatahub.mlflow.webhook.testing.EnableCrudApiServer;
import io.opendatahub.mlflow.webhook.testing.Eventually;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.HttpsClient;
import io.opendatahub.mlflow.webhook.testing.MockReviews;
import io.opendatahub.mlflow.webhook.testing.TestApps;
import io.opendatahub.mlflow.webhook.testing.TestCertificates;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's metrics table is what {@code /metrics} exposes: every endpoint is called, on a
 * standalone service with the local authority and on one with a (mock) cluster asking the API
 * server, and the two scrapes are held to the table: every name and label it lists is exposed,
 * every {@code mlflow_webhook_*} metric exposed is listed, every value of a label with listed
 * values is one of them. Then the answers a reader would look up are where the table says.
 */
@EnableCrudApiServer
class MetricsTableTest {

  private static final String PREFIX = "mlflow_webhook_";
  private static final Pattern SAMPLE = Pattern.compile(
      "^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})? (\\S+)$");
  private static final Pattern LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");
  private static final String SELF_REVIEW = "{\"apiVersion\":\"authorization.k8s.io/v1\","
      + "\"kind\":\"SelfSubjectAccessReview\",\"spec\":{\"resourceAttributes\":{"
      + "\"namespace\":\"team-a\",\"verb\":\"create\",\"group\":\"mlflow.kubeflow.org\","
      + "\"resource\":\"experiments\"}}}";

  /** One scraped sample: its name, its metric family (the table's name), labels and value. */
  record Sample(String name, String family, Map<String, String> labels, double value) {}

  /** One row of the table: the names it lists, its labels, and the values of closed labels. */
  record Row(List<String> names, Set<String> labels, Map<String, Set<String>> values) {}

  private static List<Sample> standalone;
  private static List<Sample> clustered;

  KubernetesMockServer server;
  KubernetesClient client;

  @TempDir Path dir;

  @BeforeAll
  static void noState() {
    standalone = null;
    clustered = null;
  }

  @Test
  void theTableListsExactlyWhatIsExposedWithTheValuesSeen() throws Exception {
    scrapeBoth();
    List<Row> table = table();
    List<Sample> all = new ArrayList<>(standalone);
    all.addAll(clustered);
    Set<String> listed = new TreeSet<>();
    for (Row row : table) {
      listed.addAll(row.names());
      for (String name : row.names()) {
        List<Sample> exposed = all.stream().filter(s -> s.family().equals(name)).toList();
        assertThat(exposed).as("%s is listed but not exposed", name).isNotEmpty();
        for (String label : row.labels()) {
          assertThat(exposed).as("%s has label %s", name, label)
              .anyMatch(s -> s.labels().containsKey(label));
        }
        row.values().forEach((label, values) -> exposed.forEach(s ->
            assertThat(values).as("%s{%s} seen, not listed", name, label)
                .contains(s.labels().get(label))));
      }
    }
    Set<String> families = new TreeSet<>();
    all.stream().map(Sample::family).filter(f -> f.startsWith(PREFIX)).forEach(families::add);
    assertThat(listed).as("every exposed mlflow_webhook_ metric is in the table")
        .containsAll(families);
  }

  @Test
  void theLocalAuthorityMakesNoUpstreamCalls() throws Exception {
    scrapeBoth();
    assertThat(standalone).as("alice's and bob's local decisions are no calls to the API server")
        .noneMatch(s -> s.family().equals(PREFIX + "authorization_upstream_seconds"));
    assertThat(standalone).anyMatch(s -> s.family().equals(PREFIX + "authorization_seconds")
        && "local".equals(s.labels().get("source")));
    assertThat(clustered).as("the API server's answers are")
        .anyMatch(s -> s.family().equals(PREFIX + "authorization_upstream_seconds")
            && "subjectaccessreview".equals(s.labels().get("call")))
        .anyMatch(s -> s.family().equals(PREFIX + "authorization_upstream_seconds")
            && "tokenreview".equals(s.labels().get("call")));
  }

  @Test
  void anRbacDenialIsLabelledDenied() throws Exception {
    scrapeBoth();
    assertThat(standalone).as("bob may not create: the local authority's RBAC denial")
        .anyMatch(s -> isAuthorization(s, "denied", "local"));
    assertThat(clustered).as("the API server's allowed: false")
        .anyMatch(s -> isAuthorization(s, "denied", "kubernetes"));
    assertThat(standalone).noneMatch(s -> isAuthorization(s, "no-opinion", "local"));
  }

  @Test
  void requestsRefusedUnreadAreCountedAsMalformed() throws Exception {
    scrapeBoth();
    // Two 400s (not JSON) and two 413s (over the body limit), as malformed.
    assertThat(count(standalone, PREFIX + "admission_seconds_count",
        Map.of("endpoint", "validate", "kind", "unknown", "operation", "unknown",
            "decision", "malformed"))).isEqualTo(2);
    assertThat(count(standalone, PREFIX + "authorization_seconds_count",
        Map.of("resource", "none", "verb", "none", "decision", "malformed", "source", "none")))
        .as("unreadable JSON, not JSON, over 64 KiB").isEqualTo(3);
    assertThat(count(standalone, PREFIX + "route_checks_seconds_count",
        Map.of("outcome", "malformed"))).as("over 512 KiB").isEqualTo(1);
  }

  private static boolean isAuthorization(Sample s, String decision, String source) {
    return s.family().equals(PREFIX + "authorization_seconds")
        && decision.equals(s.labels().get("decision")) && source.equals(s.labels().get("source"));
  }

  /** Scrapes each service once per test class (the tests only read the scrapes). */
  private void scrapeBoth() throws Exception {
    if (standalone == null) {
      standalone = scrapeStandalone();
      clustered = scrapeClustered();
    }
  }

  /** The local-authority demo: admission, /authorize and /authorize/mlflow, good and bad. */
  private List<Sample> scrapeStandalone() throws Exception {
    Policy policy = new PolicyLoader().load(Path.of("policies/examples/local-authority"));
    return withService(policy, null, https -> {
      https.post("/validate",
          Files.readAllBytes(Path.of("src/test/resources/reviews/mlflow-sqlite.json")));
      https.post("/mutate", Files.readAllBytes(
          Path.of("src/test/resources/reviews/mlflow-sqlite-no-storage.json")));
      https.post("/validate",
          Fixtures.mlflowReview(Fixtures.mlflow("postgres-inline.yaml")).bytes());
      send(https, "/validate", "text/plain", null, "{}");
      send(https, "/validate", "application/json", null, "x".repeat(1024 * 1024 + 1));
      send(https, "/mutate", "text/plain", null, "{}");
      send(https, "/mutate", "application/json", null, "x".repeat(1024 * 1024 + 1));
      assertThat(send(https, "/authorize", "application/json", "alice-demo-token", SELF_REVIEW))
          .contains("\"allowed\":true");
      assertThat(send(https, "/authorize", "application/json", "bob-demo-token", SELF_REVIEW))
          .contains("\"allowed\":false");
      send(https, "/authorize", "application/json", "nobody-token", SELF_REVIEW);
      send(https, "/authorize", "application/json", "alice-demo-token", "{");
      send(https, "/authorize", "text/plain", "alice-demo-token", SELF_REVIEW);
      send(https, "/authorize", "application/json", "alice-demo-token", "x".repeat(65 * 1024));
      send(https, "/authorize/mlflow", "application/json", "alice-demo-token",
          "{\"workspace\":\"team-a\",\"method\":\"POST\","
              + "\"path\":\"/mlflow/api/2.0/mlflow/runs/create\"}");
      send(https, "/authorize/mlflow", "application/json", "alice-demo-token",
          "x".repeat(513 * 1024));
    });
  }

  /**
   * The shipped policy on a cluster: the API server authenticates and answers, and the
   * background audit judges an MLflow CR that is there.
   */
  private List<Sample> scrapeClustered() throws Exception {
    client.genericKubernetesResources(ClusterAudit.MLFLOW).resource(Fixtures.JSON.convertValue(
        Fixtures.mlflow("sqlite-dev.yaml"), GenericKubernetesResource.class)).create();
    MockReviews.everyTokenIs(server, "alice");
    server.expect().post().withPath(MockReviews.ACCESS_REVIEWS)
        .andReturn(200, MockReviews.accessReview(Map.of("allowed", false))).always();
    return withService(TestPolicies.shipped(), client, https -> {
      Eventually.until(Duration.ofSeconds(30), "/readyz answers 200",
          () -> https.get("/readyz").status(), status -> status == 200);
      assertThat(send(https, "/authorize", "application/json", "alice-token", SELF_REVIEW))
          .contains("\"allowed\":false");
      Eventually.until(Duration.ofSeconds(30), "the audit judged the MLflow CR",
          () -> https.get("/metrics").body(), body -> body.contains("mlflow_webhook_audit_results"
              + "{kind=\"MLflow\""));
    });
  }

  interface Calls {
    void make(HttpsClient https) throws Exception;
  }

  private List<Sample> withService(Policy policy, KubernetesClient kube, Calls calls)
      throws Exception {
    TestCertificates certs = TestCertificates.create(Files.createTempDirectory(dir, "certs"));
    Vertx vertx = Vertx.vertx();
    WebhookApp app = TestApps.start(vertx, certs, policy, kube, new WebhookMetrics());
    try (HttpsClient https = new HttpsClient(vertx, certs.caCert(), app.port())) {
      calls.make(https);
      return samples(https.get("/metrics").body());
    } finally {
      HttpsClient.await(app.stop());
      HttpsClient.await(vertx.close());
    }
  }

  private static String send(HttpsClient https, String path, String contentType, String token,
      String body) {
    Map<String, String> headers = new HashMap<>();
    headers.put("Content-Type", contentType);
    if (token != null) {
      headers.put("Authorization", "Bearer " + token);
    }
    return HttpsClient.await(https.sendWith(HttpMethod.POST, path, headers,
        body.getBytes(StandardCharsets.UTF_8))).body();
  }

  /** The value of the sample {@code name} with exactly {@code labels}; 0 when absent. */
  private static double count(List<Sample> samples, String name, Map<String, String> labels) {
    return samples.stream().filter(s -> s.name().equals(name) && s.labels().equals(labels))
        .mapToDouble(Sample::value).sum();
  }

  /**
   * Samples of a Prometheus scrape; a histogram's {@code _bucket}, {@code _count}, {@code _sum}
   * and {@code _max} series belong to its family (the name the table lists).
   */
  static List<Sample> samples(String scrape) {
    List<Sample> samples = new ArrayList<>();
    for (String line : scrape.split("\n")) {
      Matcher sample = SAMPLE.matcher(line);
      if (line.startsWith("#") || !sample.matches()) {
        continue;
      }
      String name = sample.group(1);
      Map<String, String> labels = new LinkedHashMap<>();
      if (sample.group(2) != null) {
        Matcher label = LABEL.matcher(sample.group(2));
        while (label.find()) {
          labels.put(label.group(1), label.group(2));
        }
      }
      labels.remove("le");
      String family = name.replaceFirst("_seconds_(bucket|count|sum|max)$", "_seconds");
      samples.add(new Sample(name, family,
          labels, Double.parseDouble(sample.group(3))));
    }
    return samples;
  }

  /** The README's metrics table: the rows that name {@code mlflow_webhook_*} metrics. */
  static List<Row> table() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    int start = readme.indexOf("\n## Metrics\n");
    String section = readme.substring(start, readme.indexOf("\n## ", start + 1));
    List<Row> rows = new ArrayList<>();
    for (String line : section.split("\n")) {
      if (!line.startsWith("| `" + PREFIX)) {
        continue;
      }
      String[] cells = line.split(" \\| ");
      List<String> names = new ArrayList<>();
      Matcher name = Pattern.compile("`(" + PREFIX + "[a-z_]+)`").matcher(cells[0]);
      while (name.find()) {
        names.add(name.group(1));
      }
      Set<String> labels = new HashSet<>();
      Map<String, Set<String>> values = new HashMap<>();
      for (String label : topLevel(cells[1])) {
        Matcher parts = Pattern.compile("^`([a-z_]+)`(?: \\((.*)\\))?$").matcher(label.strip());
        if (!parts.matches()) {
          continue;
        }
        labels.add(parts.group(1));
        if (parts.group(2) != null && parts.group(2).matches("`[^`]+`(, `[^`]+`)*")) {
          Set<String> closed = new HashSet<>();
          Matcher value = Pattern.compile("`([^`]+)`").matcher(parts.group(2));
          while (value.find()) {
            closed.add(value.group(1));
          }
          values.put(parts.group(1), closed);
        }
      }
      rows.add(new Row(names, labels, values));
    }
    assertThat(rows).as("rows of the README's metrics table").hasSizeGreaterThan(10);
    return rows;
  }

  /** Splits a cell at commas outside parentheses. */
  private static List<String> topLevel(String cell) {
    List<String> parts = new ArrayList<>();
    int depth = 0;
    StringBuilder part = new StringBuilder();
    for (char c : cell.toCharArray()) {
      depth += c == '(' ? 1 : c == ')' ? -1 : 0;
      if (c == ',' && depth == 0) {
        parts.add(part.toString());
        part.setLength(0);
      } else {
        part.append(c);
      }
    }
    parts.add(part.toString());
    return parts;
  }
}
