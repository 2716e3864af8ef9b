package io.opendatahub.mlflow.webhook.kube;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The binding reconciler's Lease: one replica at a time holds it and so does the writes that
 * must not be done twice. Timings as controller-runtime's defaults: a leader that cannot renew
 * for 10 s stops, another takes over 15 s after the last renewal.
 */
final class LeaseElection {

  private static final Logger LOG = LoggerFactory.getLogger(LeaseElection.class);

  private final CompletableFuture<?> running;

  private LeaseElection(CompletableFuture<?> running) {
    this.running = running;
  }

  /** Campaigns until released; {@code onStart} and {@code onStop} run on fabric8's thread. */
  static LeaseElection campaign(KubernetesClient client, BindingReconciler.Election settings,
      Runnable onStart, Runnable onStop) {
    return new LeaseElection(client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
        .withName(settings.leaseName())
        .withLock(new LeaseLock(settings.namespace(), settings.leaseName(), settings.identity()))
        .withLeaseDuration(Duration.ofSeconds(15))
        .withRenewDeadline(Duration.ofSeconds(10))
        .withRetryPeriod(Duration.ofSeconds(2))
        .withReleaseOnCancel(true)
        .withLeaderCallbacks(new LeaderCallbacks(onStart, onStop,
            leader -> LOG.info("binding reconciler leader: {}", leader)))
        .build()).build().start());
  }

  /**
   * Gives the Lease up. That is an API call, retried while the API server is away (20 s
   * measured): it runs on its own thread, never on the caller's, and completes {@code released}
   * when done (or given up).
   */
  void release(CompletableFuture<Void> released) {
    Thread release = new Thread(() -> {
      try {
        running.cancel(true);
      } finally {
        released.complete(null);
      }
    }, "lease-release");
    release.setDaemon(true);
    release.start();
  }
}
