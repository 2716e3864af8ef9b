package io.opendatahub.mlflow.webhook.cli;

import io.opendatahub.mlflow.webhook.admission.MlflowInstances;
import io.opendatahub.mlflow.webhook.admission.NamespaceFacts;
import io.opendatahub.mlflow.webhook.audit.AuditResults;
import io.opendatahub.mlflow.webhook.authz.AccessReviewer;
import io.opendatahub.mlflow.webhook.policy.PolicyHolder;
import io.opendatahub.mlflow.webhook.rbac.BindingRequests;
import io.opendatahub.mlflow.webhook.server.Readiness;
import io.opendatahub.mlflow.webhook.server.WebhookMetrics;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the service learns about the world: from a cluster ({@link ClusterMode}) or from the
 * policy and its files alone ({@link StandaloneMode}). The one place that knows which; the rest
 * of the service sees only what {@link #start} returns.
 */
interface Mode {

  /**
   * Starts what this mode needs (informers, reconciler, API clients) and adds the readiness
   * conditions they bring.
   *
   * @throws IOException a file the mode reads at start-up cannot be read
   */
  Started start(PolicyHolder policy, Readiness readiness, WebhookMetrics metrics)
      throws IOException;

  /**
   * What a mode gives the service, and what it started.
   *
   * @param authority who answers access reviews; empty when nobody can (standalone without a
   *     local authority: /authorize fails closed)
   * @param running what the mode started, in the order it started them
   * @param audit the background audit's results; empty without a cluster
   * @param instances the cluster's MLflow CRs; none without a cluster
   */
  record Started(NamespaceFacts namespaces, BindingRequests bindings,
      Optional<AccessReviewer> authority, List<AutoCloseable> running,
      Optional<AuditResults> audit, MlflowInstances instances) implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Started.class);

    public Started {
      running = List.copyOf(running);
    }

    /** Without a background audit. */
    Started(NamespaceFacts namespaces, BindingRequests bindings,
        Optional<AccessReviewer> authority, List<AutoCloseable> running) {
      this(namespaces, bindings, authority, running, Optional.empty());
    }

    /** Without MLflow instances. */
    Started(NamespaceFacts namespaces, BindingRequests bindings,
        Optional<AccessReviewer> authority, List<AutoCloseable> running,
        Optional<AuditResults> audit) {
      this(namespaces, bindings, authority, running, audit, MlflowInstances.NONE);
    }

    /**
     * Stops what the mode started, the last started first, so nothing stops while something
     * started after it may still use it. One that fails to stop does not keep the others
     * running. May block on the network: never call it on an event loop.
     */
    @Override
    public void close() {
      for (int i = running.size() - 1; i >= 0; i--) {
        AutoCloseable part = running.get(i);
        try {
          part.close();
        } catch (Exception e) {
          LOG.warn("stopping {} failed: {}", part.getClass().getSimpleName(), e.toString());
        }
      }
    }
  }
}
