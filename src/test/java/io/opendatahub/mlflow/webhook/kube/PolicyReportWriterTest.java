package io.opendatahub.mlflow.webhook.kube;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.opendatahub.mlflow.webhook.audit.AuditReport;
import io.opendatahub.mlflow.webhook.audit.AuditResult;
import io.opendatahub.mlflow.webhook.audit.AuditResult.Severity;
import io.opendatahub.mlflow.webhook.audit.AuditResult.Status;
import io.opendatahub.mlflow.webhook.audit.AuditedObject;
import io.opendatahub.mlflow.webhook.audit.ReportApi;
import io.opendatahub.mlflow.webhook.audit.ReportKey;
import io.opendatahub.mlflow.webhook.testing.EnableCrudApiServer;
import io.opendatahub.mlflow.webhook.testing.LogCapture;
import io.opendatahub.mlflow.webhook.testing.ReportCrds;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The report writer against fabric8's mock API server in CRUD mode, with the report CRDs
 * installed as a test needs them, on a clock the test turns. Writes are counted at the store.
 */
@EnableCrudApiServer
class PolicyReportWriterTest {

  private static final Instant T0 = Instant.parse("2026-12-02T03:00:00Z");

  KubernetesClient client;

  private final ManualWorker worker = new ManualWorker();
  private final SettableLeadership leadership = new SettableLeadership(true);
  private final List<PolicyReportWriter> writers = new ArrayList<>();
  private CountingStore store;

  private static final AuditedObject SQLITE = new AuditedObject("MLflow", "mlflow", null,
      "11111111-1111-1111-1111-111111111111", "1", List.of(new AuditResult(
          "mlflow-backend-store", Status.FAIL, Severity.HIGH, "sqlite in production")));
  private static final AuditedObject EVERYONE = new AuditedObject("RoleBinding",
      "mlflow-for-everyone", "team-a", "22222222-2222-2222-2222-222222222222", "1",
      List.of(new AuditResult("rolebinding-forbidden-group", Status.FAIL, Severity.HIGH,
          "group 'system:authenticated'")));

  /** The instance once its store is fixed: same object (uid), one pass. */
  private static final AuditedObject FIXED = new AuditedObject("MLflow", "mlflow", null,
      SQLITE.uid(), "2", List.of(new AuditResult("all-rules", Status.PASS, Severity.INFO,
          "fine")));

  /** A Lease holder the test decides. */
  static final class SettableLeadership implements Leadership {
    private volatile boolean leading;
    private final List<Consumer<Boolean>> listeners = new ArrayList<>();

    SettableLeadership(boolean leading) {
      this.leading = leading;
    }

    void set(boolean now) {
      leading = now;
      listeners.forEach(l -> l.accept(now));
    }

    @Override
    public boolean leading() {
      return leading;
    }

    @Override
    public void onLeadingChange(Consumer<Boolean> listener) {
      listeners.add(listener);
    }
  }

  /** The real store, counting every call and writing, and failing the next write on demand. */
  static final class CountingStore implements ReportStore {
    final ReportStore real;
    final List<String> writes = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger calls = new AtomicInteger();
    volatile KubernetesClientException failNextWrite;
    /** Thrown by every discovery while set. */
    volatile RuntimeException failDiscovery;

    CountingStore(ReportStore real) {
      this.real = real;
    }

    private void write(String what) {
      calls.incrementAndGet();
      KubernetesClientException failure = failNextWrite;
      if (failure != null) {
        failNextWrite = null;
        throw failure;
      }
      writes.add(what);
    }

    @Override
    public Set<ReportApi> served() {
      calls.incrementAndGet();
      if (failDiscovery != null) {
        throw failDiscovery;
      }
      return real.served();
    }

    @Override
    public List<JsonNode> listManaged(ReportApi api) {
      calls.incrementAndGet();
      return real.listManaged(api);
    }

    @Override
    public Optional<JsonNode> get(ReportApi api, ReportKey key) {
      calls.incrementAndGet();
      return real.get(api, key);
    }

    @Override
    public JsonNode create(ReportApi api, ObjectNode report) {
      write("create " + ReportKey.of(report));
      return real.create(api, report);
    }

    @Override
    public JsonNode update(ReportApi api, ObjectNode report) {
      write("update " + ReportKey.of(report));
      return real.update(api, report);
    }

    @Override
    public void delete(ReportApi api, ReportKey key) {
      write("delete " + key);
      real.delete(api, key);
    }
  }

  @AfterEach
  void close() {
    writers.forEach(PolicyReportWriter::close);
  }

  private PolicyReportWriter writer() {
    if (store == null) {
      store = new CountingStore(new KubeReportStore(client));
    }
    PolicyReportWriter writer = new PolicyReportWriter(store, leadership, worker);
    writers.add(writer);
    writer.start();
    return writer;
  }

  private static AuditReport audit(Instant at, boolean complete, AuditedObject... objects) {
    return new AuditReport(at, "default", "hash", complete, List.of(objects));
  }

  private static AuditReport audit(Instant at, AuditedObject... objects) {
    return audit(at, true, objects);
  }

  private GenericKubernetesResource stored(ReportApi api, AuditedObject object) {
    boolean namespaced = object.namespace() != null;
    var kind = client.genericKubernetesResources(KubeReportStore.context(api, namespaced));
    return namespaced ? kind.inNamespace(object.namespace()).withName(object.uid()).get()
        : kind.withName(object.uid()).get();
  }

  private JsonNode json(GenericKubernetesResource report) {
    return client.getKubernetesSerialization().convertValue(report, JsonNode.class);
  }

  @Test
  void eachObjectGetsItsReportAndAnUnchangedAuditWritesNothingMore() {
    ReportCrds.install(client, ReportCrds.WGPOLICY);
    PolicyReportWriter writer = writer();

    writer.publish(audit(T0, SQLITE, EVERYONE));
    worker.advance(Duration.ZERO);

    assertThat(writer.api()).isEqualTo(ReportApi.WGPOLICY);
    JsonNode cluster = json(stored(ReportApi.WGPOLICY, SQLITE));
    assertThat(cluster.path("kind").asString()).isEqualTo("ClusterPolicyReport");
    assertThat(cluster.path("scope").path("name").asString()).isEqualTo("mlflow");
    assertThat(cluster.path("results").get(0).path("result").asString()).isEqualTo("fail");
    assertThat(cluster.path("summary").path("fail").asInt()).isEqualTo(1);
    JsonNode namespaced = json(stored(ReportApi.WGPOLICY, EVERYONE));
    assertThat(namespaced.path("kind").asString()).isEqualTo("PolicyReport");
    assertThat(namespaced.path("metadata").path("namespace").asString()).isEqualTo("team-a");
    assertThat(store.writes).hasSize(2);

    for (int pass = 1; pass <= 5; pass++) {
      writer.publish(audit(T0.plusSeconds(600L * pass), SQLITE, EVERYONE));
      worker.advance(PolicyReportWriter.REDISCOVERY);
    }
    assertThat(store.writes).as("five more audit passes and rediscoveries of the same results")
        .hasSize(2);
  }

  @Test
  void openReportsIsPreferredWhenBothApisAreServed() {
    ReportCrds.install(client, ReportCrds.WGPOLICY);
    ReportCrds.install(client, ReportCrds.OPENREPORTS);
    PolicyReportWriter writer = writer();

    writer.publish(audit(T0, SQLITE, EVERYONE));
    worker.advance(Duration.ZERO);

    assertThat(writer.api()).isEqualTo(ReportApi.OPENREPORTS);
    assertThat(stored(ReportApi.OPENREPORTS, SQLITE).getKind()).isEqualTo("ClusterReport");
    assertThat(stored(ReportApi.OPENREPORTS, EVERYONE).getKind()).isEqualTo("Report");
    assertThat(stored(ReportApi.WGPOLICY, SQLITE)).isNull();
  }

  @Test
  void withNoApiServedNothingIsWrittenSaidOnceAndACrdInstalledLaterIsUsed() {
    try (LogCapture log = new LogCapture(PolicyReportWriter.class.getName(), Level.DEBUG)) {
      PolicyReportWriter writer = writer();
      for (int pass = 0; pass < 4; pass++) {
        writer.publish(audit(T0.plusSeconds(pass), SQLITE, EVERYONE));
        worker.advance(PolicyReportWriter.REDISCOVERY);
      }

      assertThat(store.writes).isEmpty();
      assertThat(writer.api()).isNull();
      assertThat(log.lines()).as(log.text()).hasSize(1)
          .allMatch(line -> line.startsWith("INFO no policy report API is served"));

      ReportCrds.install(client, ReportCrds.OPENREPORTS);
      // Sooner than the regular rediscovery: an admin who installs a CRD waits seconds, not
      // minutes (an e2e run once waited out its 120 s for the 5-minute look).
      worker.advance(PolicyReportWriter.UNSERVED_REDISCOVERY);
    }

    assertThat(stored(ReportApi.OPENREPORTS, SQLITE)).isNotNull();
    assertThat(stored(ReportApi.OPENREPORTS, EVERYONE)).isNotNull();
  }

  @Test
  void aReplicaThatDoesNotLeadMakesNoCallUntilItLeads() {
    ReportCrds.install(client, ReportCrds.OPENREPORTS);
    leadership.set(false);
    PolicyReportWriter writer = writer();
    for (int pass = 0; pass < 3; pass++) {
      writer.publish(audit(T0.plusSeconds(pass), SQLITE, EVERYONE));
      worker.advance(PolicyReportWriter.REDISCOVERY);
    }
    assertThat(store.calls.get()).as("not even discovery").isZero();

    leadership.set(true);
    worker.advance(Duration.ZERO);

    assertThat(store.writes).hasSize(2);
  }

  @Test
  void aNewLeaderRewritesNothingThatIsAlreadyTrue() {
    ReportCrds.install(client, ReportCrds.OPENREPORTS);
    PolicyReportWriter first = writer();
    first.publish(audit(T0, SQLITE, EVERYONE));
    worker.advance(Duration.ZERO);
    first.close();
    store.writes.clear();

    PolicyReportWriter restarted = writer();
    restarted.publish(audit(T0.plusSeconds(3600), SQLITE, EVERYONE));
    worker.advance(Duration.ZERO);

    assertThat(store.writes).isEmpty();
    assertThat(json(stored(ReportApi.OPENREPORTS, SQLITE)).path("results").get(0)
        .path("timestamp").path("seconds").asLong()).isEqualTo(T0.getEpochSecond());
  }

  @Test
  void theReportOfAnObjectNoLongerAuditedIsDeletedAndAChangeUpdatesInPlace() {
    ReportCrds.install(client, ReportCrds.OPENREPORTS);
    PolicyReportWriter writer = writer();
    writer.publish(audit(T0, SQLITE, EVERYONE));
    worker.advance(Duration.ZERO);

    writer.publish(audit(T0.plusSeconds(60), FIXED));
    worker.advance(Duration.ZERO);

    assertThat(stored(ReportApi.OPENREPORTS, EVERYONE)).isNull();
    JsonNode report = json(stored(ReportApi.OPENREPORTS, SQLITE));
    assertThat(report.path("summary").path("pass").asInt()).isEqualTo(1);
    assertThat(report.path("summary").path("fail").asInt()).isZero();
    assertThat(store.writes).containsExactly(
        "create ClusterReport " + SQLITE.uid(), "create Report team-a/" + EVERYONE.uid(),
        "update ClusterReport " + SQLITE.uid(), "delete Report team-a/" + EVERYONE.uid());
  }

  @Test
  void anIncompleteAuditNeitherWritesNorDeletes() {
    ReportCrds.install(client, ReportCrds.OPENREPORTS);
    PolicyReportWriter writer = writer();
    writer.publish(audit(T0, SQLITE, EVERYONE));
    worker.advance(Duration.ZERO);

    writer.publish(audit(T0.plusSeconds(1), false));
    worker.advance(Duration.ZERO);

    assertThat(stored(ReportApi.OPENREPORTS, SQLITE)).isNotNull();
    assertThat(stored(ReportApi.OPENREPORTS, EVERYONE)).isNotNull();
    assertThat(store.writes).hasSize(2);
  }

  @Test
  void aReportSomeoneElseChangedIsReadAgainAndPutRight() {
    ReportCrds.install(client, ReportCrds.OPENREPORTS);
    PolicyReportWriter writer = writer();
    writer.publish(audit(T0, SQLITE));
    worker.advance(Duration.ZERO);
    var reports = client.genericKubernetesResources(KubeReportStore.context(
        ReportApi.OPENREPORTS, false));
    reports.withName(SQLITE.uid()).edit(r -> {
      r.getAdditionalProperties().put("summary", java.util.Map.of("pass", 7));
      return r;
    });

    writer.publish(audit(T0.plusSeconds(60), FIXED));
    worker.advance(Duration.ZERO);
    worker.advance(PolicyReportWriter.CONFLICT_RETRY);

    JsonNode report = json(stored(ReportApi.OPENREPORTS, SQLITE));
    assertThat(report.path("summary").path("pass").asInt()).isEqualTo(1);
    assertThat(report.path("results").get(0).path("rule").asString()).isEqualTo("all-rules");
  }

  @Test
  void aFailedWriteIsLoggedWithoutDetailAndTriedAgain() {
    ReportCrds.install(client, ReportCrds.OPENREPORTS);
    PolicyReportWriter writer = writer();
    store.failNextWrite = new KubernetesClientException("Forbidden", 403, null);
    try (LogCapture log = new LogCapture(PolicyReportWriter.class.getName(), Level.INFO)) {
      writer.publish(audit(T0, SQLITE, EVERYONE));
      worker.advance(Duration.ZERO);

      assertThat(stored(ReportApi.OPENREPORTS, SQLITE)).isNull();
      assertThat(log.lines()).anyMatch(line -> line.startsWith("WARN writing policy reports"
          + " failed (HTTP 403") && line.contains("retrying in 30 s"));
    }

    worker.advance(PolicyReportWriter.RETRY);

    assertThat(stored(ReportApi.OPENREPORTS, SQLITE)).isNotNull();
    assertThat(stored(ReportApi.OPENREPORTS, EVERYONE)).isNotNull();
  }

  @Test
  void reportsMoveToOpenReportsWhenItIsInstalledLater() {
    ReportCrds.install(client, ReportCrds.WGPOLICY);
    PolicyReportWriter writer = writer();
    writer.publish(audit(T0, SQLITE, EVERYONE));
    worker.advance(Duration.ZERO);
    assertThat(stored(ReportApi.WGPOLICY, EVERYONE)).isNotNull();

    ReportCrds.install(client, ReportCrds.OPENREPORTS);
    store.writes.clear();
    worker.advance(PolicyReportWriter.REDISCOVERY);

    assertThat(store.writes).as("the replacements first, then the old copies go")
        .containsExactly("create ClusterReport " + SQLITE.uid(),
            "create Report team-a/" + EVERYONE.uid(),
            "delete ClusterPolicyReport " + SQLITE.uid(),
            "delete PolicyReport team-a/" + EVERYONE.uid());
    assertThat(writer.api()).isEqualTo(ReportApi.OPENREPORTS);
    assertThat(stored(ReportApi.OPENREPORTS, EVERYONE)).isNotNull();
    assertThat(stored(ReportApi.WGPOLICY, EVERYONE)).as("no stale copy in the old API").isNull();
    assertThat(stored(ReportApi.WGPOLICY, SQLITE)).isNull();
  }

  @Test
  void aClusterThatKeepsFailingHoldsOneRetryAtATimeAndIsWrittenOnceItAnswers() {
    ReportCrds.install(client, ReportCrds.OPENREPORTS);
    PolicyReportWriter writer = writer();
    store.failDiscovery = new IllegalStateException("not a client exception");
    for (int pass = 0; pass < 20; pass++) {
      writer.publish(audit(T0.plusSeconds(pass), SQLITE));
      worker.advance(Duration.ofSeconds(1));
    }

    assertThat(worker.waiting()).as("the periodic rediscovery and one retry").isEqualTo(2);

    store.failDiscovery = null;
    worker.advance(PolicyReportWriter.RETRY);
    assertThat(stored(ReportApi.OPENREPORTS, SQLITE)).isNotNull();
  }
}
