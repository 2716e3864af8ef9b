package io.opendatahub.mlflow.webhook.kube;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.admission.MlflowInstances;
import io.opendatahub.mlflow.webhook.admission.NamespaceFacts;
import io.opendatahub.mlflow.webhook.audit.AuditResults;
import io.opendatahub.mlflow.webhook.audit.AuditedObject;
import io.opendatahub.mlflow.webhook.audit.Auditor;
import io.opendatahub.mlflow.webhook.policy.Policy;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The background audit on a cluster: informers on MLflow CRs and RoleBindings, and one worker
 * thread that judges them ({@link Auditor}) into {@link AuditResults}. Nothing is judged until
 * every source has been listed (RoleBindings, namespaces, and MLflow CRs or the knowledge that
 * the API server does not serve them): then one full pass, so a cluster of thousands of objects
 * costs one pass at start, not one per batch of list events, and no object is judged against
 * namespaces not yet known. After that an object is judged again when it changes; every object
 * when the policy changes, a namespace appears, goes or changes labels, and every {@code period}.
 * Events only mark work; the worker does it, so bursts coalesce (one pass for a thousand
 * namespace events) and no informer or event-loop thread ever evaluates. Writes nothing to the
 * cluster; every replica computes its own results.
 */
public final class ClusterAudit implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterAudit.class);

  /** The operator's CR: cluster-scoped, read as generic objects (no generated model class). */
  static final String MLFLOW_API_VERSION = "mlflow.opendatahub.io/v1";
  static final String MLFLOW_KIND = "MLflow";
  static final String ROLE_BINDING_KIND = "RoleBinding";
  /** Named in full: discovery would cost a call, and the CRD may not be installed yet. */
  public static final ResourceDefinitionContext MLFLOW = new ResourceDefinitionContext.Builder()
      .withGroup("mlflow.opendatahub.io").withVersion("v1").withKind(MLFLOW_KIND)
      .withPlural("mlflows").withNamespaced(false).build();

  /** How often the worker looks whether every source has been listed, until they all have. */
  static final Duration SYNC_POLL = Duration.ofMillis(100);

  private final MlflowInformer mlflows;
  private final SharedIndexInformer<RoleBinding> roleBindings;
  /** Closed with the audit when it made them itself; shared ones are closed by their owner. */
  private final ClusterInformers ownInformers;
  private final NamespaceFacts namespaces;
  private final Supplier<Policy> policy;
  private final Auditor auditor;
  private final AuditResults results;
  private final Consumer<Collection<AuditedObject>> published;
  private final Worker worker;
  private final Duration period;
  private final KubernetesClient client;
  /** Objects (informer keys, by kind) changed since the worker last looked. */
  private final Set<Changed> changed = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean everything = new AtomicBoolean(true);
  private final AtomicBoolean scheduled = new AtomicBoolean();
  /** Set once every source has been listed: from then on events are judged. */
  private volatile boolean live;
  private volatile boolean judgedAfterSync;
  private volatile Worker.Periodic periodic;
  /**
   * Events received before going live, by kind: an informer counts as synced once its list is in
   * its store, but hands the list's events to its handlers after that. Going live before they
   * have all come would judge each of them again in a second pass.
   */
  private final AtomicInteger seenMlflows = new AtomicInteger();
  private final AtomicInteger seenRoleBindings = new AtomicInteger();
  /** Objects whose evaluation failed, so each failure is logged once, not every pass. */
  private final Set<String> failing = ConcurrentHashMap.newKeySet();

  private record Changed(String kind, String informerKey) {}

  /**
   * With an informer of its own on RoleBindings.
   *
   * @param published told after every pass with the current results (metrics), on the worker
   */
  public ClusterAudit(KubernetesClient client, Supplier<Policy> policy,
      InformerNamespaceFacts namespaces, Auditor auditor, Duration period,
      Consumer<Collection<AuditedObject>> published) {
    this(client, null, policy, namespaces, auditor, period, published);
  }

  /**
   * Reads RoleBindings from {@code shared} (the local authority reads the same cache).
   *
   * @param published told after every pass with the current results (metrics), on the worker
   */
  public ClusterAudit(KubernetesClient client, ClusterInformers shared, Supplier<Policy> policy,
      InformerNamespaceFacts namespaces, Auditor auditor, Duration period,
      Consumer<Collection<AuditedObject>> published) {
    this(client, shared, policy, namespaces, auditor, period, published, Worker.thread("audit"));
    namespaces.onLabelsChange(this::judgeEverything);
  }

  ClusterAudit(KubernetesClient client, Supplier<Policy> policy, NamespaceFacts namespaces,
      Auditor auditor, Duration period, Consumer<Collection<AuditedObject>> published,
      Worker worker) {
    this(client, null, policy, namespaces, auditor, period, published, worker);
  }

  /** @param shared the RoleBinding informer's owner, or null to make one of its own */
  ClusterAudit(KubernetesClient client, ClusterInformers shared, Supplier<Policy> policy,
      NamespaceFacts namespaces, Auditor auditor, Duration period,
      Consumer<Collection<AuditedObject>> published, Worker worker) {
    this.ownInformers = shared == null ? new ClusterInformers(client) : null;
    this.roleBindings = (shared == null ? ownInformers : shared).roleBindings();
    this.client = client;
    this.policy = policy;
    this.namespaces = namespaces;
    this.auditor = auditor;
    this.results = new AuditResults(name(policy.get()), this::complete);
    this.period = period;
    this.published = published;
    this.worker = worker;
    this.mlflows = new MlflowInformer(client, worker,
        InformerEvents.each((object, gone) -> changed(MLFLOW_KIND, object, seenMlflows)),
        this::mlflowServedChanged);
    roleBindings.addEventHandler(InformerEvents.each(
        (object, gone) -> changed(ROLE_BINDING_KIND, object, seenRoleBindings)));
  }

  /** The MLflow CRs the audit watches, read-only: admission's namespace relabel rule reads them. */
  public MlflowInstances instances() {
    return new InformedMlflowInstances(mlflows, client);
  }

  /** What the audit found so far; filled in by the worker. */
  public AuditResults results() {
    return results;
  }

  /**
   * Starts watching; the stage completes when RoleBindings have been listed and MLflow CRs have
   * been too, or are known not to be served. The first full pass follows once namespaces have
   * been listed as well: a cluster with nothing to report sends no event that would start one.
   */
  public CompletionStage<Void> start() {
    periodic = worker.every(period, this::judgeEverything);
    CompletableFuture<Void> listed = CompletableFuture.allOf(mlflows.start(),
        roleBindings.start().toCompletableFuture());
    worker.after(Duration.ZERO, this::awaitSync);
    return listed;
  }

  /**
   * Whether the report is whole: every source listed, and a full pass run since (before that an
   * object may be missing, or judged as the strictest environment).
   */
  public boolean complete() {
    return judgedAfterSync;
  }

  /** Judges every object again, soon, on the worker; any thread may call it. */
  public void judgeEverything() {
    everything.set(true);
    schedule();
  }

  private boolean synced() {
    return roleBindings.hasSynced() && namespaces.synced() && mlflows.settled()
        && seenRoleBindings.get() >= roleBindings.getStore().listKeys().size()
        && seenMlflows.get() >= mlflows.list().size();
  }

  /** On the worker, until every source has been listed; then the first full pass. */
  private void awaitSync() {
    boolean synced;
    try {
      synced = synced();
    } catch (RuntimeException e) {
      LOG.debug("audit: cannot tell whether the caches have synced: {}", e.toString());
      synced = false;
    }
    if (!synced) {
      worker.after(SYNC_POLL, this::awaitSync);
      return;
    }
    // Live before the pass reads the caches: an event from now on is judged (again) after it.
    live = true;
    judgeEverything();
  }

  private void mlflowServedChanged() {
    results.unserved(MLFLOW_KIND, mlflows.unserved().orElse(null));
    judgeEverything();
  }

  private void changed(String kind, HasMetadata object, AtomicInteger seen) {
    if (!live) {
      seen.incrementAndGet();
      // The first full pass judges it: judging piecemeal while the caches fill costs a pass
      // per batch of list events, each against namespaces perhaps not yet known.
      return;
    }
    changed.add(new Changed(kind, key(object)));
    schedule();
  }

  private static String key(HasMetadata object) {
    String namespace = object.getMetadata().getNamespace();
    return (namespace == null || namespace.isEmpty() ? "" : namespace + "/")
        + object.getMetadata().getName();
  }

  private void schedule() {
    if (live && scheduled.compareAndSet(false, true)) {
      worker.after(Duration.ZERO, this::pass);
    }
  }

  /** One pass of the worker: everything, or just what changed since the last pass. */
  void pass() {
    scheduled.set(false);
    try {
      DecisionContext context = new DecisionContext(policy.get(), namespaces);
      if (everything.getAndSet(false)) {
        changed.clear();
        judgeAll(context);
        results.judgedBy(name(context.policy()));
        judgedAfterSync = true;
      } else {
        for (Changed one : List.copyOf(changed)) {
          changed.remove(one);
          judge(one, context);
        }
      }
      published.accept(results.objects());
    } catch (RuntimeException e) {
      // Not one object's fault (those are caught one by one): the next event or period retries.
      LOG.warn("audit pass failed: {}", Causes.describe(e));
      LOG.debug("audit pass failure", e);
    }
  }

  private static AuditResults.PolicyName name(Policy policy) {
    return new AuditResults.PolicyName(policy.name(), policy.hash());
  }

  private void judgeAll(DecisionContext context) {
    Set<String> present = new HashSet<>();
    for (GenericKubernetesResource object : mlflows.list()) {
      judge(object, context).ifPresent(present::add);
    }
    for (RoleBinding object : roleBindings.getStore().list()) {
      judge(object, context).ifPresent(present::add);
    }
    results.retain(present);
    failing.retainAll(present);
  }

  private void judge(Changed one, DecisionContext context) {
    HasMetadata object = one.kind().equals(MLFLOW_KIND)
        ? mlflows.get(one.informerKey())
        : roleBindings.getStore().getByKey(one.informerKey());
    if (object == null) {
      int split = one.informerKey().indexOf('/');
      String key = split < 0 ? AuditedObject.key(one.kind(), null, one.informerKey())
          : AuditedObject.key(one.kind(), one.informerKey().substring(0, split),
              one.informerKey().substring(split + 1));
      results.remove(key);
      failing.remove(key);
      return;
    }
    if (judge(object, context).isEmpty()) {
      String key = AuditedObject.key(kind(object), object.getMetadata().getNamespace(),
          object.getMetadata().getName());
      results.remove(key);
      failing.remove(key);
    }
  }

  private static String kind(HasMetadata object) {
    return object instanceof RoleBinding ? ROLE_BINDING_KIND : MLFLOW_KIND;
  }

  /**
   * Judges one object into the results; its key, or empty when the audit does not cover it. An
   * object whose evaluation fails keeps its previous results (if any), is logged once, and does
   * not stop the others from being judged.
   */
  private Optional<String> judge(HasMetadata object, DecisionContext context) {
    if (object instanceof RoleBinding binding
        && !Auditor.auditedBinding(binding.getRoleRef() == null ? null
            : binding.getRoleRef().getName(), binding.getMetadata().getLabels(),
            context.policy())) {
      // Most bindings of a cluster are not the audit's: decided before any conversion.
      return Optional.empty();
    }
    String key = AuditedObject.key(kind(object), object.getMetadata().getNamespace(),
        object.getMetadata().getName());
    try {
      ObjectNode json = object instanceof RoleBinding
          ? ClusterListing.json(client, object, "rbac.authorization.k8s.io/v1", ROLE_BINDING_KIND)
          : ClusterListing.json(client, object, MLFLOW_API_VERSION, MLFLOW_KIND);
      if (!Auditor.audited(json, context.policy())) {
        return Optional.empty();
      }
      AuditedObject audited = auditor.evaluate(json, context).audited();
      results.put(audited);
      failing.remove(key);
      return Optional.of(audited.key());
    } catch (RuntimeException e) {
      if (failing.add(key)) {
        LOG.warn("audit: judging {} failed, its previous results stay: {}", key,
            Causes.describe(e));
        LOG.debug("audit failure of {}", key, e);
      }
      return Optional.of(key);
    }
  }

  @Override
  public void close() {
    Worker.Periodic running = periodic;
    if (running != null) {
      running.cancel();
    }
    worker.close();
    mlflows.close();
    if (ownInformers != null) {
      ownInformers.close();
    }
  }
}
