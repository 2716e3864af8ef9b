package io.opendatahub.mlflow.webhook.kube;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfig;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaderElectionRecord;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.Lock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The binding reconciler's Lease: one replica at a time holds it and so does the writes that
 * must not be done twice. A replica campaigns for as long as it runs: fabric8's elector ends
 * for good when its holder fails to renew (an API server away longer than the renew deadline),
 * so each lost Lease starts a new elector, or a replica that lost it once would never lead
 * again and a single replica would stop reconciling after the first outage.
 */
final class LeaseElection {

  private static final Logger LOG = LoggerFactory.getLogger(LeaseElection.class);

  private final KubernetesClient client;
  private final LeaderElectionConfig config;
  private final Executor pause;
  private CompletableFuture<?> running;
  private boolean released;

  private LeaseElection(KubernetesClient client, LeaderElectionConfig config) {
    this.client = client;
    this.config = config;
    this.pause = CompletableFuture.delayedExecutor(config.getRetryPeriod().toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** Campaigns until released; {@code onStart} and {@code onStop} run on fabric8's thread. */
  static LeaseElection campaign(KubernetesClient client, BindingReconciler.Election settings,
      Runnable onStart, Runnable onStop) {
    BindingReconciler.LeaseTimings timings = settings.timings();
    LeaseElection election = new LeaseElection(client, new LeaderElectionConfigBuilder()
        .withName(settings.leaseName())
        .withLock(new RetriedLock(
            new LeaseLock(settings.namespace(), settings.leaseName(), settings.identity())))
        .withLeaseDuration(timings.leaseDuration())
        .withRenewDeadline(timings.renewDeadline())
        .withRetryPeriod(timings.retryPeriod())
        .withReleaseOnCancel(true)
        .withLeaderCallbacks(new LeaderCallbacks(logged(onStart, "start"), logged(onStop, "stop"),
            leader -> LOG.info("binding reconciler leader: {}", leader)))
        .build());
    election.campaignAgain();
    return election;
  }

  /** A fabric8 elector starts once: each campaign needs a new one. */
  private synchronized void campaignAgain() {
    if (released) {
      return;
    }
    CompletableFuture<?> campaign = client.leaderElector().withConfig(config).build().start();
    running = campaign;
    campaign.whenComplete((ignored, failure) -> ended(failure));
  }

  private void ended(Throwable failure) {
    synchronized (this) {
      if (released) {
        return;
      }
    }
    LOG.warn("binding reconciler: the Lease was lost or its campaign failed ({}); campaigning"
        + " again", failure == null ? "not renewed in time" : failure.toString());
    CompletableFuture.runAsync(this::campaignAgain, pause).exceptionally(cannot -> {
      ended(cannot);
      return null;
    });
  }

  /**
   * fabric8's elector ends a campaign without completing it, and so without this class knowing,
   * when a leader callback throws: the callback's failure is logged and the campaign goes on.
   */
  private static Runnable logged(Runnable callback, String which) {
    return () -> {
      try {
        callback.run();
      } catch (RuntimeException e) {
        LOG.error("binding reconciler: the {} of leading failed", which, e);
      }
    };
  }

  /**
   * fabric8's acquire loop retries only a {@link KubernetesClientException}; anything else from
   * the Lock (a Lease someone wrote without {@code leaseDurationSeconds} makes {@link LeaseLock}
   * throw a NullPointerException) ends the campaign without completing it. So every failure of
   * the Lock is made one it retries.
   */
  private record RetriedLock(Lock lock) implements Lock {

    @Override
    public LeaderElectionRecord get(KubernetesClient client) {
      return retried(() -> lock.get(client));
    }

    @Override
    public void create(KubernetesClient client, LeaderElectionRecord record) {
      retried(() -> {
        lock.create(client, record);
        return null;
      });
    }

    @Override
    public void update(KubernetesClient client, LeaderElectionRecord record) {
      retried(() -> {
        lock.update(client, record);
        return null;
      });
    }

    @Override
    public String identity() {
      return lock.identity();
    }

    @Override
    public String describe() {
      return lock.describe();
    }

    private static <T> T retried(Supplier<T> call) {
      try {
        return call.get();
      } catch (KubernetesClientException e) {
        throw e;
      } catch (RuntimeException e) {
        throw new KubernetesClientException("the Lease could not be read or written: " + e, e);
      }
    }
  }

  /**
   * Gives the Lease up. That is an API call, retried while the API server is away (20 s
   * measured): it runs on its own thread, never on the caller's, and completes {@code released}
   * when done (or given up).
   */
  void release(CompletableFuture<Void> done) {
    CompletableFuture<?> campaign;
    synchronized (this) {
      released = true;
      campaign = running;
    }
    Thread release = new Thread(() -> {
      try {
        campaign.cancel(true);
      } finally {
        done.complete(null);
      }
    }, "lease-release");
    release.setDaemon(true);
    release.start();
  }
}
