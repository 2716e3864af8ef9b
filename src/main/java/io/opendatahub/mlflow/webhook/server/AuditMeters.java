package io.opendatahub.mlflow.webhook.server;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.opendatahub.mlflow.webhook.audit.AuditResult;
import io.opendatahub.mlflow.webhook.audit.AuditedObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * The background audit's gauges: each pass replaces every row, so a result that went away
 * leaves no stale series. Label values are rule ids, statuses and the audited kinds.
 */
final class AuditMeters {

  /** The kinds the audit judges; each has a non-compliant count, 0 included. */
  static final List<String> AUDITED_KINDS = List.of("MLflow", "RoleBinding");

  private final MultiGauge results;
  private final MultiGauge noncompliant;
  private final MeterRegistry registry;
  /** Epoch milliseconds of the latest pass that ended without failing; 0 before the first. */
  private final AtomicLong lastPass = new AtomicLong();

  AuditMeters(MeterRegistry registry) {
    this.registry = registry;
    results = MultiGauge.builder(MetricNames.AUDIT_RESULTS)
        .description("Current background-audit results, by rule, result and kind")
        .register(registry);
    noncompliant = MultiGauge.builder(MetricNames.AUDIT_NONCOMPLIANT)
        .description("Objects the background audit finds failing (any fail result), by kind")
        .register(registry);
  }

  /**
   * Whether the audit is whole, when its passes end, and how often they should: an alert can
   * tell an audit that never completes or stopped passing from one that has nothing to report.
   */
  void progress(BooleanSupplier complete, Duration interval) {
    Gauge.builder(MetricNames.AUDIT_COMPLETE, complete, c -> c.getAsBoolean() ? 1 : 0)
        .description("1 once the background audit has listed and judged every object, else 0")
        .register(registry);
    Gauge.builder(MetricNames.AUDIT_LAST_PASS, lastPass, t -> t.get() / 1000.0)
        .description("When the latest background-audit pass ended without failing (0: never)")
        .baseUnit("seconds").register(registry);
    Gauge.builder(MetricNames.AUDIT_INTERVAL, interval, i -> i.toMillis() / 1000.0)
        .description("How often the background audit judges every object at the latest")
        .baseUnit("seconds").register(registry);
  }

  /** A pass ended without failing at {@code epochMillis}. */
  void passed(long epochMillis) {
    lastPass.set(epochMillis);
  }

  void publish(Collection<AuditedObject> objects) {
    Map<List<String>, Integer> counts = new HashMap<>();
    Map<String, Integer> failing = new HashMap<>();
    AUDITED_KINDS.forEach(kind -> failing.put(kind, 0));
    for (AuditedObject object : objects) {
      for (AuditResult result : object.results()) {
        counts.merge(List.of(result.rule(), result.result().wireName(), object.kind()), 1,
            Integer::sum);
      }
      if (object.fails()) {
        failing.merge(object.kind(), 1, Integer::sum);
      }
    }
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    counts.forEach((labels, count) -> rows.add(MultiGauge.Row.of(Tags.of("rule", labels.get(0),
        "result", labels.get(1), "kind", labels.get(2)), count)));
    results.register(rows, true);
    List<MultiGauge.Row<?>> kinds = new ArrayList<>();
    failing.forEach((kind, count) -> kinds.add(MultiGauge.Row.of(Tags.of("kind", kind), count)));
    noncompliant.register(kinds, true);
  }
}
