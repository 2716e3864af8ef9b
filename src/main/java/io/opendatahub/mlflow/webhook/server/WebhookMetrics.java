package io.opendatahub.mlflow.webhook.server;

import com.github.benmanes.caffeine.cache.AsyncCache;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opendatahub.mlflow.webhook.admission.Finding;
import io.opendatahub.mlflow.webhook.authz.MlflowResources;
import io.opendatahub.mlflow.webhook.authz.ResourceAttributes;
import io.opendatahub.mlflow.webhook.policy.Policy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The service's Prometheus metrics, all named {@code mlflow_webhook_*}. Meters are looked up once
 * per label set and kept, so the admission path does no registry work after warm-up. Label values
 * come only from small closed sets, never from request data that a caller controls freely.
 */
public final class WebhookMetrics {

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
  private final MultiGauge policyInfo;
  private final AtomicInteger reloadFailing = new AtomicInteger();
  private final java.util.concurrent.atomic.AtomicLong certificateExpiry =
      new java.util.concurrent.atomic.AtomicLong();

  public WebhookMetrics() {
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    policyInfo = MultiGauge.builder("mlflow.webhook.policy.info")
        .description("The policy in force (value 1), by name and content hash")
        .register(registry);
    Gauge.builder("mlflow.webhook.tls.certificate.expiry.timestamp", certificateExpiry,
            java.util.concurrent.atomic.AtomicLong::get)
        .description("When the serving certificate expires, in seconds since the epoch")
        .baseUnit("seconds")
        .register(registry);
    // Registered up front so an alert on reconcile errors sees 0, not an absent series.
    reconcileCounter("reconcile", "error");
    reconcileCounter("give-up", "error");
    reloads("success");
    reloads("failure");
    Gauge.builder("mlflow.webhook.policy.reload.failing", reloadFailing, AtomicInteger::get)
        .description("1 while the latest policy change was rejected and an older policy serves")
        .register(registry);
  }

  /** The policy now in force; also counts a successful reload when {@code reload} is true. */
  public void policyInForce(Policy policy, boolean reload) {
    policyInfo.register(List.of(MultiGauge.Row.of(
        Tags.of("name", policy.name(), "hash", policy.hash()), 1)), true);
    reloadFailing.set(0);
    if (reload) {
      reloads("success").increment();
    }
  }

  public void certificateServed(java.security.cert.X509Certificate certificate, boolean reload) {
    certificateExpiry.set(certificate.getNotAfter().toInstant().getEpochSecond());
    if (reload) {
      tlsReloads("success").increment();
    }
  }

  public void certificateRejected() {
    tlsReloads("failure").increment();
  }

  private Counter tlsReloads(String result) {
    return Counter.builder("mlflow.webhook.tls.reloads")
        .description("Certificate rotations applied (success) or rejected (failure)")
        .tag("result", result)
        .register(registry);
  }

  /** Reconciler actions (create, update, recreate, remove, give-up) and their results. */
  public void reconcile(String action, String result) {
    reconcileCounter(action, result).increment();
  }

  private Counter reconcileCounter(String action, String result) {
    return Counter.builder("mlflow.webhook.reconcile.actions")
        .description("RoleBinding reconciler actions, by action and result")
        .tags("action", action, "result", result)
        .register(registry);
  }

  public void managedBindings(java.util.function.IntSupplier count) {
    Gauge.builder("mlflow.webhook.managed.rolebindings", count, c -> c.getAsInt())
        .description("RoleBindings of the integration role that the service manages")
        .register(registry);
  }

  public void policyRejected() {
    // Count first: a scrape that sees the gauge must also see the failure it stands for.
    reloads("failure").increment();
    reloadFailing.set(1);
  }

  private Counter reloads(String result) {
    return Counter.builder("mlflow.webhook.policy.reloads")
        .description("Policy changes applied (success) or rejected (failure)")
        .tag("result", result)
        .register(registry);
  }

  /** The registry, for Vert.x's own HTTP server metrics. */
  public MeterRegistry registry() {
    return registry;
  }

  public void admission(AdmissionLabels labels, long nanos) {
    admissionTimers.computeIfAbsent(labels, this::admissionTimer)
        .record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  public void findings(List<Finding> findings) {
    for (Finding finding : findings) {
      FindingLabels labels = new FindingLabels(finding.rule(), finding.outcome());
      findingCounters.computeIfAbsent(labels, this::findingCounter).increment();
    }
  }

  /** One {@code /authorize} answer; labels are bounded to known MLflow resources and verbs. */
  public void authorization(ResourceAttributes attributes, String decision, String source,
      long nanos) {
    String resource = attributes == null ? "none" : MlflowResources.label(attributes);
    String verb = attributes == null ? "none" : MlflowResources.verbLabel(attributes.verb());
    authorizationTimers.computeIfAbsent(new AuthorizationLabels(resource, verb, decision, source),
        labels -> Timer.builder("mlflow.webhook.authorization")
            .description("Access reviews answered, by resource, verb, decision and source")
            .tags("resource", labels.resource(), "verb", labels.verb(),
                "decision", labels.decision(), "source", labels.source())
            .serviceLevelObjectives(LATENCY_BUCKETS)
            .register(registry))
        .record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  /** Questions answered by {@code /authorize/mlflow}, by outcome. */
  public void routeCheck(String outcome, long nanos) {
    routeTimers.computeIfAbsent(outcome, key -> Timer.builder("mlflow.webhook.route.checks")
            .description("MLflow route checks answered, by outcome")
            .tags("outcome", outcome)
            .serviceLevelObjectives(LATENCY_BUCKETS)
            .register(registry))
        .record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  /** Calls to the API server made for {@code /authorize}. */
  public void upstream(String call, long nanos, String outcome) {
    upstreamTimers.computeIfAbsent(call + "/" + outcome, key -> Timer.builder(
            "mlflow.webhook.authorization.upstream")
            .description("TokenReview and SubjectAccessReview calls, by call and outcome")
            .tags("call", call, "outcome", outcome)
            .serviceLevelObjectives(LATENCY_BUCKETS)
            .register(registry))
        .record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  /** Hits, misses and size of the decision cache. */
  public void authorizationCache(AsyncCache<?, ?> cache) {
    var sync = cache.synchronous();
    FunctionCounter.builder("mlflow.webhook.authorization.cache.hits", sync,
        c -> c.stats().hitCount()).register(registry);
    FunctionCounter.builder("mlflow.webhook.authorization.cache.misses", sync,
        c -> c.stats().missCount()).register(registry);
    Gauge.builder("mlflow.webhook.authorization.cache.size", sync, c -> c.estimatedSize())
        .register(registry);
  }

  public String scrape() {
    return registry.scrape();
  }

  private Timer admissionTimer(AdmissionLabels labels) {
    return Timer.builder("mlflow.webhook.admission")
        .description("Admission reviews answered, by endpoint, kind, operation and decision")
        .tags("endpoint", labels.endpoint(), "kind", labels.kind(),
            "operation", labels.operation(), "decision", labels.decision())
        .serviceLevelObjectives(LATENCY_BUCKETS)
        .register(registry);
  }

  private Counter findingCounter(FindingLabels labels) {
    return Counter.builder("mlflow.webhook.policy.findings")
        .description("Policy findings on admitted or denied requests, by rule and action"
            + " (ratcheted: a deny finding an UPDATE inherited and did not worsen, not enforced)")
        .tags("rule", labels.rule(), "action", labels.action())
        .register(registry);
  }

  /** Labels of one admission answer. */
  public record AdmissionLabels(String endpoint, String kind, String operation, String decision) {}

  private record FindingLabels(String rule, String action) {}

  private record AuthorizationLabels(String resource, String verb, String decision,
      String source) {}
}
