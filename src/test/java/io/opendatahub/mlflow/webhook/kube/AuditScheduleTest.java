package io.opendatahub.mlflow.webhook.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.NamespaceFacts.KnownNamespace;
import io.opendatahub.mlflow.webhook.admission.StaticNamespaceFacts;
import io.opendatahub.mlflow.webhook.audit.Auditor;
import io.opendatahub.mlflow.webhook.cli.Handlers;
import io.opendatahub.mlflow.webhook.testing.EnableCrudApiServer;
import io.opendatahub.mlflow.webhook.testing.Eventually;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * When the audit works, on a clock the test turns: a burst of triggers makes one pass, and an
 * unchanged cluster is judged once when its caches have synced, then once per period.
 */
@EnableCrudApiServer
class AuditScheduleTest {

  private static final Duration PERIOD = Duration.ofMinutes(10);

  KubernetesClient client;

  private final ManualWorker worker = new ManualWorker();
  private final AtomicInteger passes = new AtomicInteger();

  private ClusterAudit audit() {
    return new ClusterAudit(client, TestPolicies::shipped,
        new StaticNamespaceFacts(List.of(new KnownNamespace("team-a", Map.of()))),
        new Auditor(new AdmissionService(Handlers.all())), PERIOD,
        objects -> passes.incrementAndGet(), worker);
  }

  private void untilComplete(ClusterAudit audit) {
    Eventually.until(Duration.ofSeconds(20), "the caches have synced", () -> {
      worker.advance(ClusterAudit.SYNC_POLL);
      return audit.complete();
    });
  }

  @Test
  void aBurstOfTriggersMakesOnePass() {
    try (ClusterAudit audit = audit()) {
      audit.start();
      untilComplete(audit);
      assertThat(passes.get()).isEqualTo(1);
      for (int i = 0; i < 1_000; i++) {
        audit.judgeEverything();
      }
      assertThat(worker.waiting()).as("the period, and one pass queued for a thousand namespace"
          + " events").isEqualTo(2);
      worker.advance(Duration.ZERO);
      assertThat(passes.get()).isEqualTo(2);
    }
  }

  @Test
  void anUnchangedClusterIsJudgedOncePerPeriod() {
    try (ClusterAudit audit = audit()) {
      audit.start();
      untilComplete(audit);
      assertThat(passes.get()).as("one pass once the caches have synced").isEqualTo(1);
      Duration waited = ClusterAudit.SYNC_POLL.multipliedBy(worker.advances());
      worker.advance(PERIOD.minus(waited).minusSeconds(1));
      assertThat(passes.get()).as("nothing more before the first period").isEqualTo(1);
      worker.advance(Duration.ofSeconds(1));
      assertThat(passes.get()).isEqualTo(2);
      worker.advance(PERIOD.multipliedBy(3));
      assertThat(passes.get()).isEqualTo(5);
    }
  }
}
