package io.opendatahub.mlflow.webhook.server;

import static io.opendatahub.mlflow.webhook.server.MetricNames.ADMISSION;
import static io.opendatahub.mlflow.webhook.server.MetricNames.AUTHORIZATION;
import static io.opendatahub.mlflow.webhook.server.MetricNames.CACHE_HITS;
import static io.opendatahub.mlflow.webhook.server.MetricNames.CACHE_MISSES;
import static io.opendatahub.mlflow.webhook.server.MetricNames.CACHE_SIZE;
import static io.opendatahub.mlflow.webhook.server.MetricNames.MANAGED_BINDINGS;
import static io.opendatahub.mlflow.webhook.server.MetricNames.POLICY_FINDINGS;
import static io.opendatahub.mlflow.webhook.server.MetricNames.RECONCILE_ACTIONS;
import static io.opendatahub.mlflow.webhook.server.MetricNames.ROUTE_CHECKS;
import static io.opendatahub.mlflow.webhook.server.MetricNames.UPSTREAM;

import com.github.benmanes.caffeine.cache.AsyncCache;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opendatahub.mlflow.webhook.admission.Finding;
import io.opendatahub.mlflow.webhook.admission.Operation;
import io.opendatahub.mlflow.webhook.audit.AuditedObject;
import io.opendatahub.mlflow.webhook.authz.AuthorizationService;
import io.opendatahub.mlflow.webhook.authz.MlflowResources;
import io.opendatahub.mlflow.webhook.authz.ResourceAttributes;
import io.opendatahub.mlflow.webhook.policy.Policy;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/**
 * The service's Prometheus metrics, all named {@code mlflow_webhook_*}; the README's metrics table
 * lists them, and a test holds the two together. Meters are looked up once per label set and
 * kept, so the admission path does no registry work after warm-up. Label values come only from
 * small closed sets, never from request data that a caller controls freely.
 */
public final class WebhookMetrics {

  /** The value of a label that does not apply: an unreadable request has no resource or verb. */
  static final String NONE = "none";
  /** The decision or outcome of a request refused unread or unreadable (400, 413). */
  static final String MALFORMED = "malformed";
  /** The kind and operation of an admission request that could not be read. */
  static final String UNKNOWN = "unknown";

  /** Fine enough to see 1 ms; the API server gives up at the webhook timeout (3 s here). */
  private static final Duration[] LATENCY_BUCKETS = {
    Duration.ofMillis(1).dividedBy(4), Duration.ofMillis(1).dividedBy(2), Duration.ofMillis(1),
    Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
    Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
    Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5)
  };

  private final PrometheusMeterRegistry registry;
  private final Map<AdmissionLabels, Timer> admissionTimers = new ConcurrentHashMap<>();
  private final Map<FindingLabels, Counter> findingCounters = new ConcurrentHashMap<>();
  private final Map<AuthorizationLabels, Timer> authorizationTimers = new ConcurrentHashMap<>();
  private final Map<String, Timer> upstreamTimers = new ConcurrentHashMap<>();
  private final Map<String, Timer> routeTimers = new ConcurrentHashMap<>();
  private final FileReloadMeters files;
  private final AuditMeters audit;

  public WebhookMetrics() {
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new GcPauseMeters().bindTo(registry);
    files = new FileReloadMeters(registry);
    audit = new AuditMeters(registry);
    // Registered up front so an alert on reconcile errors sees 0, not an absent series.
    reconcileCounter("reconcile", "error");
    reconcileCounter("give-up", "error");
  }

  /** The policy now in force; also counts a successful reload when {@code reload} is true. */
  public void policyInForce(Policy policy, boolean reload) {
    files.policyInForce(policy, reload);
  }

  /**
   * The background audit's current results, replacing the previous ones: a result that went
   * away leaves no stale series. Label values are rule ids, statuses and the audited kinds.
   */
  public void auditResults(Collection<AuditedObject> objects) {
    audit.publish(objects);
  }

  /**
   * The background audit's progress: whether it is complete, and how often it passes at the
   * latest ({@code interval}); each pass then reports itself through {@link #auditPassed()}.
   */
  public void auditProgress(BooleanSupplier complete, Duration interval) {
    audit.progress(complete, interval);
  }

  /** A background-audit pass ended without failing, now. */
  public void auditPassed() {
    audit.passed(System.currentTimeMillis());
  }

  public void certificateServed(X509Certificate certificate, boolean reload) {
    files.certificateServed(certificate, reload);
  }

  public void certificateRejected() {
    files.certificateRejected();
  }

  /** Reconciler actions (create, update, recreate, remove, give-up) and their results. */
  public void reconcile(String action, String result) {
    reconcileCounter(action, result).increment();
  }

  private Counter reconcileCounter(String action, String result) {
    return Counter.builder(RECONCILE_ACTIONS)
        .description("RoleBinding reconciler actions, by action and result")
        .tags("action", action, "result", result)
        .register(registry);
  }

  public void managedBindings(IntSupplier count) {
    Gauge.builder(MANAGED_BINDINGS, count, IntSupplier::getAsInt)
        .description("RoleBindings of the integration role that the service manages")
        .register(registry);
  }

  public void policyRejected() {
    files.policyRejected();
  }

  /**
   * The registry, for Vert.x's own metrics: its worker pools and, with a cluster, the HTTP
   * client's calls to the API server (its HTTP server metrics are off, see WebhookApp).
   */
  public MeterRegistry registry() {
    return registry;
  }

  /**
   * One admission answer of {@code endpoint}; {@code operation} is null when the request could
   * not be read (the label is then {@code unknown}, as the kind is).
   */
  void admission(AdmissionEndpoint.Mode endpoint, String kind, Operation operation,
      AdmissionEndpoint.Decision decision, long nanos) {
    AdmissionLabels labels = new AdmissionLabels(endpoint.label, kind,
        operation == null ? UNKNOWN : operation.name(), decision.label);
    admissionTimers.computeIfAbsent(labels, this::admissionTimer)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  public void findings(List<Finding> findings) {
    for (Finding finding : findings) {
      FindingLabels labels = new FindingLabels(finding.rule(), finding.outcome());
      findingCounters.computeIfAbsent(labels, this::findingCounter).increment();
    }
  }

  /**
   * One {@code /authorize} answer; labels are bounded to known MLflow resources and verbs, and
   * are {@code none} where the request could not be read.
   */
  public void authorization(ResourceAttributes attributes, String decision, String source,
      long nanos) {
    String resource = attributes == null ? NONE : MlflowResources.label(attributes);
    String verb = attributes == null ? NONE : MlflowResources.verbLabel(attributes.verb());
    authorizationTimers.computeIfAbsent(new AuthorizationLabels(resource, verb, decision, source),
        labels -> Timer.builder(AUTHORIZATION)
            .description("Access reviews answered, by resource, verb, decision and source")
            .tags("resource", labels.resource(), "verb", labels.verb(),
                "decision", labels.decision(), "source", labels.source())
            .serviceLevelObjectives(LATENCY_BUCKETS)
            .register(registry))
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Questions answered by {@code /authorize/mlflow}, by outcome. */
  public void routeCheck(String outcome, long nanos) {
    routeTimers.computeIfAbsent(outcome, key -> Timer.builder(ROUTE_CHECKS)
            .description("MLflow route checks answered, by outcome")
            .tags("outcome", outcome)
            .serviceLevelObjectives(LATENCY_BUCKETS)
            .register(registry))
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  /**
   * Calls to the API server made for {@code /authorize} and {@code /authorize/mlflow}; what the
   * local authority answers in-process is not one (see {@link AuthorizationService.Listener}).
   */
  public void upstream(String call, long nanos, String outcome) {
    upstreamTimers.computeIfAbsent(call + "/" + outcome, key -> Timer.builder(UPSTREAM)
            .description("TokenReview and SubjectAccessReview calls, by call and outcome")
            .tags("call", call, "outcome", outcome)
            .serviceLevelObjectives(LATENCY_BUCKETS)
            .register(registry))
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  /**
   * A request refused before its endpoint could read it, by the path it was sent to: a body
   * over the limit (413) or not JSON (400). Counted as the endpoint counts what it cannot read.
   */
  public void unread(String path, long nanos) {
    switch (path) {
      case "/validate" -> admission(AdmissionEndpoint.Mode.VALIDATE, UNKNOWN, null,
          AdmissionEndpoint.Decision.MALFORMED, nanos);
      case "/mutate" -> admission(AdmissionEndpoint.Mode.MUTATE, UNKNOWN, null,
          AdmissionEndpoint.Decision.MALFORMED, nanos);
      case "/authorize" -> authorization(null, MALFORMED, NONE, nanos);
      case "/authorize/mlflow" -> routeCheck(MALFORMED, nanos);
      default -> { }
    }
  }

  /** Hits, misses and size of the decision cache. */
  public void authorizationCache(AsyncCache<?, ?> cache) {
    var sync = cache.synchronous();
    FunctionCounter.builder(CACHE_HITS, sync, c -> c.stats().hitCount())
        .description("Decisions served from the cache").register(registry);
    FunctionCounter.builder(CACHE_MISSES, sync, c -> c.stats().missCount())
        .description("Decisions not in the cache, asked of the authority").register(registry);
    Gauge.builder(CACHE_SIZE, sync, c -> c.estimatedSize())
        .description("Decisions in the cache").register(registry);
  }

  public String scrape() {
    return registry.scrape();
  }

  private Timer admissionTimer(AdmissionLabels labels) {
    return Timer.builder(ADMISSION)
        .description("Admission reviews answered, by endpoint, kind, operation and decision")
        .tags("endpoint", labels.endpoint(), "kind", labels.kind(),
            "operation", labels.operation(), "decision", labels.decision())
        .serviceLevelObjectives(LATENCY_BUCKETS)
        .register(registry);
  }

  private Counter findingCounter(FindingLabels labels) {
    return Counter.builder(POLICY_FINDINGS)
        .description("Policy findings on admitted or denied requests, by rule and action"
            + " (ratcheted: a deny finding an UPDATE inherited and did not worsen, not enforced)")
        .tags("rule", labels.rule(), "action", labels.action())
        .register(registry);
  }

  private record AdmissionLabels(String endpoint, String kind, String operation,
      String decision) {}

  private record FindingLabels(String rule, String action) {}

  private record AuthorizationLabels(String resource, String verb, String decision,
      String source) {}
}
