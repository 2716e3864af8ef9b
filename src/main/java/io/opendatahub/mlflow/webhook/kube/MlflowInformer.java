package io.opendatahub.mlflow.webhook.kube;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MLflow CRs, from an informer while the API server serves them. Without the operator's CRD
 * the API server answers every list with 404; a plain informer would retry that forever, a
 * warning each time, and the audit would wait for it and judge nothing. This one first looks
 * with one small list (on the worker); on a 404 it says once (INFO) that the kind is not served
 * and looks again later, backing off from {@link #FIRST_RECHECK} to {@link #MAX_RECHECK}; once
 * the kind is served it starts an informer. A CRD removed while watched is noticed on the
 * informer's relist (a 404 again: the informer stops, a stopped one cannot restart, and the looks
 * begin again). Any other failure is retried as every informer retries it.
 */
final class MlflowInformer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(MlflowInformer.class);

  static final Duration FIRST_RECHECK = Duration.ofSeconds(10);
  static final Duration MAX_RECHECK = Duration.ofMinutes(5);
  static final String NOT_SERVED = "the API server does not serve mlflows."
      + ClusterAudit.MLFLOW.getGroup() + "/" + ClusterAudit.MLFLOW.getVersion()
      + " (the MLflow operator's CRD is not installed): there are no MLflow CRs to judge; the"
      + " audit looks for the CRD again every " + MAX_RECHECK.toMinutes() + " min at most";

  private final KubernetesClient client;
  private final KubernetesClient informing;
  private final Worker worker;
  private final ResourceEventHandler<GenericKubernetesResource> events;
  private final Runnable servedChanged;
  private final CompletableFuture<Void> settled = new CompletableFuture<>();
  private volatile SharedIndexInformer<GenericKubernetesResource> informer;
  private volatile boolean unserved;
  private Duration nextRecheck = FIRST_RECHECK;
  private boolean saidUnserved;
  private boolean started;
  private boolean closed;

  /**
   * @param events told of every CR event, from every informer this makes
   * @param servedChanged told (on an informer thread) when the kind stops or starts being served
   * @param worker where later looks are scheduled
   */
  MlflowInformer(KubernetesClient client, Worker worker,
      ResourceEventHandler<GenericKubernetesResource> events, Runnable servedChanged) {
    this.client = client;
    this.informing = KubeConnection.forInformers(client);
    this.worker = worker;
    this.events = events;
    this.servedChanged = servedChanged;
  }

  /**
   * Starts watching, once however often called; the stage completes when the CRs have been
   * listed or the kind is known not to be served, whichever comes first.
   */
  synchronized CompletableFuture<Void> start() {
    if (!started && !closed) {
      started = true;
      worker.after(Duration.ZERO, this::look);
    }
    return settled;
  }

  /** Whether the CRs are listed, or known not to exist because the kind is not served. */
  boolean settled() {
    SharedIndexInformer<GenericKubernetesResource> current = informer;
    return unserved || current != null && current.hasSynced();
  }

  /** Why there are no MLflow CRs to judge, when the API server does not serve the kind. */
  Optional<String> unserved() {
    return unserved ? Optional.of(NOT_SERVED) : Optional.empty();
  }

  /** The CRs as last listed and watched; none while the kind is not served. */
  List<GenericKubernetesResource> list() {
    SharedIndexInformer<GenericKubernetesResource> current = informer;
    return unserved || current == null ? List.of() : current.getStore().list();
  }

  /** The CR of informer key {@code key} (its name), or null. */
  GenericKubernetesResource get(String key) {
    SharedIndexInformer<GenericKubernetesResource> current = informer;
    return unserved || current == null ? null : current.getStore().getByKey(key);
  }

  /**
   * One list of at most one CR, with the client's short timeout: is the kind served? Then an
   * informer; else another look later. A failure other than 404 is left to the informer, which
   * retries it with backoff as every informer does.
   */
  private void look() {
    synchronized (this) {
      if (closed) {
        return;
      }
    }
    try {
      client.genericKubernetesResources(ClusterAudit.MLFLOW)
          .list(new ListOptionsBuilder().withLimit(1L).build());
    } catch (RuntimeException e) {
      if (isNotFound(e)) {
        notServed(null);
        return;
      }
      LOG.debug("MLflow: looking for the CRD failed ({}); the informer retries", e.toString());
    }
    watch();
  }

  private synchronized void watch() {
    if (closed) {
      return;
    }
    SharedIndexInformer<GenericKubernetesResource> next =
        informing.genericKubernetesResources(ClusterAudit.MLFLOW).runnableInformer(0);
    next.exceptionHandler((watching, failure) -> {
      if (isNotFound(failure)) {
        notServed(next);
        return false;
      }
      return Informers.retry("MLflow", watching, failure);
    });
    next.addEventHandler(events);
    informer = next;
    next.start().whenComplete((ignored, failure) -> {
      if (failure == null) {
        served(next);
      }
    });
  }

  private static boolean isNotFound(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof KubernetesClientException e
          && e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
        return true;
      }
      if (cause.getCause() == cause) {
        break;
      }
    }
    return false;
  }

  /** @param failed the informer that met the 404, or null when a look did */
  private void notServed(SharedIndexInformer<GenericKubernetesResource> failed) {
    Duration wait;
    synchronized (this) {
      if (closed || failed != null && failed != informer) {
        return;
      }
      informer = null;
      wait = nextRecheck;
      nextRecheck = nextRecheck.multipliedBy(2).compareTo(MAX_RECHECK) > 0 ? MAX_RECHECK
          : nextRecheck.multipliedBy(2);
      if (!saidUnserved) {
        saidUnserved = true;
        LOG.info("MLflow: {}; RoleBindings are audited as usual", NOT_SERVED);
      } else {
        LOG.debug("MLflow CRs still not served; looking again in {} s", wait.toSeconds());
      }
    }
    boolean changed = !unserved;
    unserved = true;
    settled.complete(null);
    if (failed != null) {
      // Stopped off the informer's own thread: this runs inside its exception handler.
      worker.after(Duration.ZERO, failed::close);
    }
    worker.after(wait, this::look);
    if (changed) {
      servedChanged.run();
    }
  }

  private void served(SharedIndexInformer<GenericKubernetesResource> synced) {
    synchronized (this) {
      if (closed || synced != informer) {
        return;
      }
      nextRecheck = FIRST_RECHECK;
      if (saidUnserved) {
        saidUnserved = false;
        LOG.info("MLflow: the API server now serves MLflow CRs; the audit judges them");
      }
    }
    boolean changed = unserved;
    unserved = false;
    settled.complete(null);
    if (changed) {
      servedChanged.run();
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (informer != null) {
      informer.close();
    }
  }
}
