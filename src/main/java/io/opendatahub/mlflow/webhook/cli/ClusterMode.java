package io.opendatahub.mlflow.webhook.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.audit.AuditResults;
import io.opendatahub.mlflow.webhook.audit.Auditor;
import io.opendatahub.mlflow.webhook.authz.AuthoritySwitch;
import io.opendatahub.mlflow.webhook.authz.LocalAuthority;
import io.opendatahub.mlflow.webhook.kube.AuditEventPublisher;
import io.opendatahub.mlflow.webhook.kube.BindingReconciler;
import io.opendatahub.mlflow.webhook.kube.ClusterAudit;
import io.opendatahub.mlflow.webhook.kube.ClusterInformers;
import io.opendatahub.mlflow.webhook.kube.InformerNamespaceFacts;
import io.opendatahub.mlflow.webhook.kube.InformerRbac;
import io.opendatahub.mlflow.webhook.kube.KubeAccessReviewer;
import io.opendatahub.mlflow.webhook.kube.Leadership;
import io.opendatahub.mlflow.webhook.kube.PolicyReportWriter;
import io.opendatahub.mlflow.webhook.policy.AuthorizationPolicy;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.policy.PolicyHolder;
import io.opendatahub.mlflow.webhook.server.Readiness;
import io.opendatahub.mlflow.webhook.server.WebhookMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On a cluster: namespace labels from an informer (readiness waits for its first sync), the
 * binding reconciler, access reviews from the API server or from RBAC informers as the policy
 * says. Nothing here blocks: informers sync and the Lease is won in the background.
 */
final class ClusterMode implements Mode {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterMode.class);

  static final Duration LEASE_RELEASE_WAIT = Duration.ofSeconds(5);

  /** How often the background audit judges every object even when nothing changed. */
  static final Duration DEFAULT_AUDIT_PERIOD = Duration.ofMinutes(10);

  private final KubernetesClient client;
  private final Duration auditPeriod;

  ClusterMode(KubernetesClient client) {
    this(client, DEFAULT_AUDIT_PERIOD);
  }

  ClusterMode(KubernetesClient client, Duration auditPeriod) {
    this.client = client;
    this.auditPeriod = auditPeriod;
  }

  @Override
  public Started start(PolicyHolder policy, Readiness readiness, WebhookMetrics metrics) {
    List<AutoCloseable> running = new ArrayList<>();
    InformerNamespaceFacts namespaces = new InformerNamespaceFacts(client);
    running.add(namespaces);
    readiness.require("namespace-informer-synced", namespaces::synced);
    namespaces.start().whenComplete((ignored, failure) -> {
      if (failure != null) {
        LOG.warn("namespace informer has not synced yet: {}; it keeps retrying",
            failure.getMessage());
      } else {
        LOG.info("namespace informer synced: {} namespaces", namespaces.namespaces().size());
      }
    });

    BindingReconciler reconciler =
        new BindingReconciler(client, policy, namespaces, metrics::reconcile);
    running.add(() -> closeAndAwaitLeaseRelease(reconciler));
    metrics.managedBindings(reconciler::managedBindings);
    BindingReconciler.Election election = election();
    reconciler.start(election).whenComplete((ignored, failure) -> {
      if (failure != null) {
        LOG.warn("binding reconciler did not start: {}", failure.toString());
      } else {
        LOG.info("binding reconciler caches synced; campaigning for the lease");
      }
    });

    KubeAccessReviewer reviewer = new KubeAccessReviewer(client);
    running.add(reviewer);
    // One RoleBinding informer for the local authority and the audit: one list and watch.
    ClusterInformers shared = new ClusterInformers(client);
    running.add(shared);
    InformerRbac rbac = new InformerRbac(client, shared);
    running.add(rbac);
    readiness.require("rbac-informers-synced", () -> !usesLocalRbac(policy.get()) || rbac.synced());
    if (usesLocalRbac(policy.get())) {
      startRbacInformers(rbac);
    }
    policy.onChange(next -> {
      if (usesLocalRbac(next)) {
        startRbacInformers(rbac);
      }
    });
    // Events on the audited objects: written by the replica that holds the reconciler's Lease.
    AuditEventPublisher events =
        new AuditEventPublisher(client, election.identity(), reconciler);
    running.add(events);
    ClusterAudit audit =
        startAudit(policy, namespaces, shared, metrics, events, reconciler, running);
    return new Started(namespaces, reconciler, Optional.of(new AuthoritySwitch(policy, reviewer,
        new LocalAuthority(rbac::snapshot, reviewer::authenticate))), running,
        Optional.of(audit.results()), audit.instances());
  }

  /**
   * The background audit: judges MLflow CRs and guarded RoleBindings with admission's own rules
   * (its own handler instances: their memos are per service), again on every change of the
   * object, the policy or a namespace's labels. Not a readiness condition: admission does not
   * depend on it (the namespace relabel rule, which reads its MLflow CRs, says when it could
   * not check), and /audit says whether it is complete. Every pass goes to the metrics, to the
   * Events and to the policy reports, both written by the replica holding the reconciler's Lease.
   */
  private ClusterAudit startAudit(PolicyHolder policy, InformerNamespaceFacts namespaces,
      ClusterInformers shared, WebhookMetrics metrics, AuditEventPublisher events,
      Leadership leadership, List<AutoCloseable> running) {
    PolicyReportWriter reports = new PolicyReportWriter(client, leadership);
    AtomicReference<AuditResults> results = new AtomicReference<>();
    ClusterAudit audit = new ClusterAudit(client, shared, policy, namespaces,
        new Auditor(new AdmissionService(Handlers.all())), auditPeriod, objects -> {
          metrics.auditResults(objects);
          metrics.auditPassed();
          events.accept(objects);
          reports.publish(results.get().report(Instant.now()));
        });
    results.set(audit.results());
    running.add(audit);
    reports.start();
    running.add(reports);
    metrics.auditProgress(audit::complete, auditPeriod);
    metrics.auditResults(List.of());
    policy.onChange(next -> audit.judgeEverything());
    audit.start().whenComplete((ignored, failure) -> {
      if (failure != null) {
        LOG.warn("audit informers have not synced yet: {}; they keep retrying",
            failure.toString());
      }
    });
    return audit;
  }

  /**
   * The Lease every replica campaigns for: in the pod's namespace (downward API
   * {@code POD_NAMESPACE}), one identity per pod ({@code HOSTNAME}).
   */
  static BindingReconciler.Election election() {
    String namespace = System.getenv().getOrDefault("POD_NAMESPACE", "mlflow-policy-webhook");
    String identity = System.getenv().getOrDefault("HOSTNAME",
        "mlflow-policy-webhook-" + UUID.randomUUID());
    return new BindingReconciler.Election(namespace, "mlflow-policy-webhook-reconciler", identity);
  }

  /**
   * The caller closes the cluster connection after the mode: a Lease release still under way
   * then fails ("SSLEngine closed already", seen against a real API server) and the next leader
   * waits out the lease. A healthy API server answers in milliseconds; an absent one is not
   * waited for longer than {@link #LEASE_RELEASE_WAIT} (the lease then expires on its own).
   */
  private static void closeAndAwaitLeaseRelease(BindingReconciler reconciler) {
    reconciler.close();
    try {
      reconciler.released().get(LEASE_RELEASE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      LOG.info("the reconciler's Lease was not released within {} s; it expires on its own",
          LEASE_RELEASE_WAIT.toSeconds());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static boolean usesLocalRbac(Policy policy) {
    return policy.authorization().authority() == AuthorizationPolicy.Authority.LOCAL;
  }

  /** Idempotent: the informers start the first time a policy asks for the local authority. */
  private static void startRbacInformers(InformerRbac rbac) {
    rbac.start().whenComplete((ignored, failure) -> {
      if (failure != null) {
        LOG.warn("RBAC informers have not synced: {}; /authorize fails closed until they do",
            failure.toString());
      }
    });
  }
}
