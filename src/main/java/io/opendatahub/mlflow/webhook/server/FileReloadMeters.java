package io.opendatahub.mlflow.webhook.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.opendatahub.mlflow.webhook.policy.Policy;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the files the service watches are doing: the policy in force and its reloads, the serving
 * certificate's expiry and its rotations. The counters are registered up front, so an alert on
 * failures sees 0, not an absent series.
 */
final class FileReloadMeters {

  private final MeterRegistry registry;
  private final MultiGauge policyInfo;
  private final AtomicInteger reloadFailing = new AtomicInteger();
  private final AtomicLong certificateExpiry = new AtomicLong();

  FileReloadMeters(MeterRegistry registry) {
    this.registry = registry;
    policyInfo = MultiGauge.builder(MetricNames.POLICY_INFO)
        .description("The policy in force (value 1), by name and content hash")
        .register(registry);
    Gauge.builder(MetricNames.CERTIFICATE_EXPIRY, certificateExpiry, AtomicLong::get)
        .description("When the serving certificate expires, in seconds since the epoch")
        .baseUnit("seconds")
        .register(registry);
    policyReloads("success");
    policyReloads("failure");
    certificateReloads("success");
    certificateReloads("failure");
    Gauge.builder(MetricNames.POLICY_RELOAD_FAILING, reloadFailing, AtomicInteger::get)
        .description("1 while the latest policy change was rejected and an older policy serves")
        .register(registry);
  }

  void policyInForce(Policy policy, boolean reload) {
    policyInfo.register(List.of(MultiGauge.Row.of(
        Tags.of("name", policy.name(), "hash", policy.hash()), 1)), true);
    reloadFailing.set(0);
    if (reload) {
      policyReloads("success").increment();
    }
  }

  void policyRejected() {
    // Count first: a scrape that sees the gauge must also see the failure it stands for.
    policyReloads("failure").increment();
    reloadFailing.set(1);
  }

  void certificateServed(X509Certificate certificate, boolean reload) {
    certificateExpiry.set(certificate.getNotAfter().toInstant().getEpochSecond());
    if (reload) {
      certificateReloads("success").increment();
    }
  }

  void certificateRejected() {
    certificateReloads("failure").increment();
  }

  private Counter policyReloads(String result) {
    return Counter.builder(MetricNames.POLICY_RELOADS)
        .description("Policy changes applied (success) or rejected (failure)")
        .tag("result", result)
        .register(registry);
  }

  private Counter certificateReloads(String result) {
    return Counter.builder(MetricNames.CERTIFICATE_RELOADS)
        .description("Certificate rotations applied (success) or rejected (failure)")
        .tag("result", result)
        .register(registry);
  }
}
