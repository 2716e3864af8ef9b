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
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The background audit on a cluster: informers on MLflow CRs and RoleBindings, and one worker
 * thread that judges them ({@link Auditor}) into {@link AuditResults}. An object is judged again
 * when it changes; every object when the policy changes, a namespace appears, goes or changes
 * labels, and every {@code period}. Events only mark work; the worker does it, so bursts
 * coalesce (one pass for a thousand namespace events) and no informer or event-loop thread ever
 * evaluates. Writes nothing to the cluster; every replica computes its own results.
 */
public final class ClusterAudit implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterAudit.class);

  /** The operator's CR: cluster-scoped, read as generic objects (no generated model class). */
  static final String MLFLOW_API_VERSION = "mlflow.opendatahub.io/v1";
  static final String MLFLOW_KIND = "MLflow";
  /** Named in full: discovery would cost a call, and the CRD may not be installed yet. */
  public static final ResourceDefinitionContext MLFLOW = new ResourceDefinitionContext.Builder()
      .withGroup("mlflow.opendatahub.io").withVersion("v1").withKind(MLFLOW_KIND)
      .withPlural("mlflows").withNamespaced(false).build();

  /** How soon a full pass made before the caches synced is made again. */
  static final Duration UNSYNCED_RETRY = Duration.ofSeconds(1);

  private final SharedIndexInformer<GenericKubernetesResource> mlflows;
  private final SharedIndexInformer<RoleBinding> roleBindings;
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
  private final AtomicBoolean retryQueued = new AtomicBoolean();
  private volatile boolean judgedAfterSync;
  private volatile Worker.Periodic periodic;

  private record Changed(String kind, String informerKey) {}

  /**
   * @param published told after every pass with the current results (metrics), on the worker
   */
  public ClusterAudit(KubernetesClient client, Supplier<Policy> policy,
      InformerNamespaceFacts namespaces, Auditor auditor, Duration period,
      Consumer<Collection<AuditedObject>> published) {
    this(client, policy, namespaces, auditor, period, published, Worker.thread("audit"));
    namespaces.onLabelsChange(this::judgeEverything);
  }

  ClusterAudit(KubernetesClient client, Supplier<Policy> policy, NamespaceFacts namespaces,
      Auditor auditor, Duration period, Consumer<Collection<AuditedObject>> published,
      Worker worker) {
    KubernetesClient informing = KubeConnection.forInformers(client);
    this.mlflows = Informers.retrying(informing.genericKubernetesResources(MLFLOW)
        .runnableInformer(0), "MLflow audit");
    this.roleBindings = Informers.retrying(
        informing.rbac().roleBindings().inAnyNamespace().runnableInformer(0), "RoleBinding audit");
    this.client = client;
    this.policy = policy;
    this.namespaces = namespaces;
    this.auditor = auditor;
    this.results = new AuditResults(name(policy.get()), this::complete);
    this.period = period;
    this.published = published;
    this.worker = worker;
    mlflows.addEventHandler(InformerEvents.each((object, gone) -> changed(MLFLOW_KIND, object)));
    roleBindings.addEventHandler(InformerEvents.each(
        (object, gone) -> changed("RoleBinding", object)));
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
   * Starts watching; the stage completes when both kinds have been listed once. Then everything
   * is judged: a cluster with nothing to report sends no event that would, and its report would
   * stay incomplete until the first period.
   */
  public CompletionStage<Void> start() {
    periodic = worker.every(period, this::judgeEverything);
    return CompletableFuture.allOf(mlflows.start().toCompletableFuture(),
        roleBindings.start().toCompletableFuture()).thenRun(this::judgeEverything);
  }

  /**
   * Whether the report is whole: both kinds and the namespaces listed, and a full pass run
   * since (before that an object may be missing, or judged as the strictest environment).
   */
  public boolean complete() {
    return judgedAfterSync;
  }

  /** Judges every object again, soon, on the worker; any thread may call it. */
  public void judgeEverything() {
    everything.set(true);
    schedule();
  }

  private void changed(String kind, HasMetadata object) {
    changed.add(new Changed(kind, key(object)));
    schedule();
  }

  private static String key(HasMetadata object) {
    String namespace = object.getMetadata().getNamespace();
    return (namespace == null || namespace.isEmpty() ? "" : namespace + "/")
        + object.getMetadata().getName();
  }

  private void schedule() {
    if (scheduled.compareAndSet(false, true)) {
      worker.after(Duration.ZERO, this::pass);
    }
  }

  /** One pass of the worker: everything, or just what changed since the last pass. */
  void pass() {
    scheduled.set(false);
    try {
      boolean synced = mlflows.hasSynced() && roleBindings.hasSynced() && namespaces.synced();
      DecisionContext context = new DecisionContext(policy.get(), namespaces);
      if (everything.getAndSet(false)) {
        changed.clear();
        judgeAll(context);
        results.judgedBy(name(context.policy()));
        judgedAfterSync |= synced;
        if (!synced && retryQueued.compareAndSet(false, true)) {
          // A cache still listing sends events, but the last one may come before it counts as
          // synced: look again shortly, or the report stays incomplete until the period.
          worker.after(UNSYNCED_RETRY, () -> {
            retryQueued.set(false);
            judgeEverything();
          });
        }
      } else {
        for (Changed one : List.copyOf(changed)) {
          changed.remove(one);
          judge(one, context);
        }
        if (synced && !judgedAfterSync) {
          judgeEverything();
        }
      }
      published.accept(results.objects());
    } catch (RuntimeException e) {
      // One bad object must not end the audit: the next event or period tries again.
      LOG.warn("audit pass failed: {}", Causes.describe(e));
      LOG.debug("audit pass failure", e);
    }
  }

  private static AuditResults.PolicyName name(Policy policy) {
    return new AuditResults.PolicyName(policy.name(), policy.hash());
  }

  private void judgeAll(DecisionContext context) {
    Set<String> present = new HashSet<>();
    for (GenericKubernetesResource object : mlflows.getStore().list()) {
      judge(object, context).ifPresent(present::add);
    }
    for (RoleBinding object : roleBindings.getStore().list()) {
      judge(object, context).ifPresent(present::add);
    }
    results.retain(present);
  }

  private void judge(Changed one, DecisionContext context) {
    HasMetadata object = one.kind().equals(MLFLOW_KIND)
        ? mlflows.getStore().getByKey(one.informerKey())
        : roleBindings.getStore().getByKey(one.informerKey());
    if (object == null) {
      int split = one.informerKey().indexOf('/');
      results.remove(split < 0 ? AuditedObject.key(one.kind(), null, one.informerKey())
          : AuditedObject.key(one.kind(), one.informerKey().substring(0, split),
              one.informerKey().substring(split + 1)));
      return;
    }
    if (judge(object, context).isEmpty()) {
      results.remove(AuditedObject.key(one.kind(), object.getMetadata().getNamespace(),
          object.getMetadata().getName()));
    }
  }

  /** Judges one object into the results; its key, or empty when the audit does not cover it. */
  private Optional<String> judge(HasMetadata object, DecisionContext context) {
    ObjectNode json = object instanceof RoleBinding
        ? ClusterListing.json(client, object, "rbac.authorization.k8s.io/v1", "RoleBinding")
        : ClusterListing.json(client, object, MLFLOW_API_VERSION, MLFLOW_KIND);
    if (!Auditor.audited(json, context.policy())) {
      return Optional.empty();
    }
    AuditedObject audited = auditor.evaluate(json, context).audited();
    results.put(audited);
    return Optional.of(audited.key());
  }

  @Override
  public void close() {
    Worker.Periodic running = periodic;
    if (running != null) {
      running.cancel();
    }
    worker.close();
    mlflows.close();
    roleBindings.close();
  }
}
