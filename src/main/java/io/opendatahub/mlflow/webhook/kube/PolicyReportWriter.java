package io.opendatahub.mlflow.webhook.kube;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.opendatahub.mlflow.webhook.audit.AuditReport;
import io.opendatahub.mlflow.webhook.audit.PolicyReports;
import io.opendatahub.mlflow.webhook.audit.ReportApi;
import io.opendatahub.mlflow.webhook.audit.ReportKey;
import io.opendatahub.mlflow.webhook.audit.ReportPlan;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Publishes the background audit's results as policy reports ({@link PolicyReports}: one per
 * object, owned by it), in {@code openreports.io} when the API server serves it, else in
 * {@code wgpolicyk8s.io}, else nowhere (said once at INFO; discovery looks again every
 * {@link #REDISCOVERY}, every {@link #UNSERVED_REDISCOVERY} while neither is served, and after a
 * failed call, so a CRD installed later gets used soon).
 *
 * <p>Only the leader writes. On becoming leader it first lists the reports it manages (by label),
 * so a restart rewrites nothing that is already true; then it writes only reports whose content
 * changed, and deletes those of objects the audit no longer covers (garbage collection handles
 * deleted objects, not an object that stopped being audited). Reports it left in the API it no
 * longer uses are deleted too. It writes nothing from an incomplete audit: an object not yet
 * listed would read as gone and lose its report.
 *
 * <p>All calls run on one worker thread, never an event loop or the audit's worker; a burst of
 * audit passes makes one write pass with the latest results. A failed call ends the pass, is
 * logged in one line (status and cause, never a token), and the pass is tried again after
 * {@link #RETRY}; a conflict (someone else wrote the report) re-reads it and compares again.
 */
public final class PolicyReportWriter implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PolicyReportWriter.class);

  static final Duration REDISCOVERY = Duration.ofMinutes(5);
  /**
   * How soon discovery is asked again while neither API is served: an admin who installs a
   * report CRD (or Kyverno) expects reports soon, and a discovery GET costs the leader little.
   */
  static final Duration UNSERVED_REDISCOVERY = Duration.ofSeconds(30);
  static final Duration RETRY = Duration.ofSeconds(30);
  static final Duration CONFLICT_RETRY = Duration.ofSeconds(1);

  private final ReportStore store;
  private final Leadership leadership;
  private final Worker worker;
  private final AtomicReference<AuditReport> latest = new AtomicReference<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final AtomicBoolean retryQueued = new AtomicBoolean();
  private final AtomicBoolean lookQueued = new AtomicBoolean();
  private volatile Worker.Periodic periodic;

  // Worker-thread state.
  private ReportApi api;
  private Set<ReportApi> served = EnumSet.noneOf(ReportApi.class);
  private boolean discovered;
  private boolean loggedNone;
  /** The reports this service manages as last read or written; null: list them first. */
  private Map<ReportKey, JsonNode> known;

  public PolicyReportWriter(KubernetesClient client, Leadership leadership) {
    this(new KubeReportStore(client), leadership, Worker.thread("policy-reports"));
  }

  PolicyReportWriter(ReportStore store, Leadership leadership, Worker worker) {
    this.store = store;
    this.leadership = leadership;
    this.worker = worker;
  }

  /** Follows the leadership and looks at discovery again every {@link #REDISCOVERY}. */
  public void start() {
    leadership.onLeadingChange(leading -> worker.after(Duration.ZERO, () -> {
      // A new term starts from what is stored: the last leader may have written meanwhile.
      known = null;
      discovered = false;
      pass();
    }));
    periodic = worker.every(REDISCOVERY, () -> {
      discovered = false;
      pass();
    });
  }

  /** The audit's latest results; written soon, on the worker, if this replica leads. */
  public void publish(AuditReport report) {
    latest.set(report);
    schedule();
  }

  private void schedule() {
    if (scheduled.compareAndSet(false, true)) {
      worker.after(Duration.ZERO, this::pass);
    }
  }

  /** Which API is in use now; null when none is (for tests and logs). */
  ReportApi api() {
    return api;
  }

  void pass() {
    scheduled.set(false);
    if (!leadership.leading()) {
      known = null;
      return;
    }
    AuditReport report = latest.get();
    if (report == null || !report.complete()) {
      return;
    }
    try {
      if (!discovered) {
        discover();
      }
      if (api == null) {
        lookAgainSoon();
        return;
      }
      boolean learned = known == null;
      if (learned) {
        learn();
      }
      write(report);
      if (learned) {
        retireOtherApis();
      }
    } catch (RuntimeException e) {
      // A CRD removed shows as 404s, an expired token as 401s: look at everything again. Any
      // other failure is caught too: one thrown out of the periodic task would end it for good.
      discovered = false;
      known = null;
      int code = e instanceof KubernetesClientException k ? k.getCode() : 0;
      LOG.warn("writing policy reports failed ({}{}); retrying in {} s",
          code > 0 ? "HTTP " + code + ": " : "", Causes.describe(e), RETRY.toSeconds());
      LOG.debug("policy report failure", e);
      retry(RETRY);
    }
  }

  /** One retry waiting at a time, however many passes fail meanwhile. */
  private void retry(Duration delay) {
    if (retryQueued.compareAndSet(false, true)) {
      worker.after(delay, () -> {
        retryQueued.set(false);
        pass();
      });
    }
  }

  /** One look at discovery waiting at a time, while neither API is served. */
  private void lookAgainSoon() {
    if (lookQueued.compareAndSet(false, true)) {
      worker.after(UNSERVED_REDISCOVERY, () -> {
        lookQueued.set(false);
        discovered = false;
        pass();
      });
    }
  }

  private void discover() {
    served = store.served();
    discovered = true;
    ReportApi chosen = served.isEmpty() ? null : served.iterator().next();
    if (chosen == null && !loggedNone) {
      LOG.info("no policy report API is served ({}, {}): audit results are in /audit and the"
          + " metrics only; looking again every {} s", ReportApi.OPENREPORTS.apiVersion(),
          ReportApi.WGPOLICY.apiVersion(), UNSERVED_REDISCOVERY.toSeconds());
      loggedNone = true;
    }
    if (chosen != api) {
      if (chosen != null) {
        LOG.info("publishing audit results as {} policy reports", chosen.apiVersion());
        loggedNone = false;
      }
      api = chosen;
      known = null;
    }
  }

  /** Reads what is stored: a restart or a new leader rewrites nothing that is still true. */
  private void learn() {
    Map<ReportKey, JsonNode> stored = new HashMap<>();
    store.listManaged(api).forEach(report -> stored.put(ReportKey.of(report), report));
    known = stored;
  }

  /**
   * Deletes the reports this service left in an API it no longer writes (openreports.io was
   * installed next to wgpolicyk8s.io), once their replacements are written: a reader never sees
   * an object without its report, nor two for long.
   */
  private void retireOtherApis() {
    for (ReportApi other : served) {
      if (other != api) {
        for (JsonNode stale : store.listManaged(other)) {
          store.delete(other, ReportKey.of(stale));
          LOG.info("deleted {} {}: reports are now written as {}", other.apiVersion(),
              ReportKey.of(stale), api.apiVersion());
        }
      }
    }
  }

  private void write(AuditReport report) {
    ReportPlan plan = ReportPlan.between(PolicyReports.desired(api, report.objects(),
        report.policyName(), report.generatedAt()), known);
    if (plan.isEmpty()) {
      return;
    }
    int conflicts = 0;
    for (ObjectNode created : plan.creates()) {
      ReportKey key = ReportKey.of(created);
      try {
        known.put(key, store.create(api, created));
      } catch (KubernetesClientException e) {
        conflicts += reread(key, e, HttpURLConnection.HTTP_CONFLICT);
      }
    }
    for (ObjectNode updated : plan.updates()) {
      ReportKey key = ReportKey.of(updated);
      try {
        known.put(key, store.update(api, updated));
      } catch (KubernetesClientException e) {
        conflicts += reread(key, e, HttpURLConnection.HTTP_CONFLICT,
            HttpURLConnection.HTTP_NOT_FOUND);
      }
    }
    for (ReportKey deleted : plan.deletes()) {
      store.delete(api, deleted);
      known.remove(deleted);
    }
    LOG.info("policy reports ({}): {} created, {} updated, {} deleted{}", api.apiVersion(),
        plan.creates().size(), plan.updates().size(), plan.deletes().size(),
        conflicts > 0 ? ", " + conflicts + " written meanwhile by someone else: comparing again"
            : "");
    if (conflicts > 0) {
      retry(CONFLICT_RETRY);
    }
  }

  /**
   * Someone else wrote the report since it was read (409), or removed it (404 on update): read
   * it again, so the next pass compares with what is stored. Any other failure ends the pass.
   */
  private int reread(ReportKey key, KubernetesClientException e, int... expected) {
    for (int code : expected) {
      if (e.getCode() == code) {
        store.get(api, key).ifPresentOrElse(stored -> known.put(key, stored),
            () -> known.remove(key));
        return 1;
      }
    }
    throw e;
  }

  @Override
  public void close() {
    Worker.Periodic running = periodic;
    if (running != null) {
      running.cancel();
    }
    worker.close();
  }
}
