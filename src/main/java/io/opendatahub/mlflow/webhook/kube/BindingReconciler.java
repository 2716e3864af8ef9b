package io.opendatahub.mlflow.webhook.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.opendatahub.mlflow.webhook.admission.NamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.policy.RoleBindingPolicy;
import io.opendatahub.mlflow.webhook.rbac.BindingDiff;
import io.opendatahub.mlflow.webhook.rbac.BindingPlan;
import io.opendatahub.mlflow.webhook.rbac.BindingRequests;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the integration-role bindings of qualifying ServiceAccounts true, whatever happened
 * while the service was down: creates missing bindings, recreates drifted ones ({@code roleRef}
 * cannot change in place), updates edited ones, removes those whose ServiceAccount no longer
 * qualifies. Works from informer caches on one worker thread, never on an event loop, and only
 * in the replica that holds the Lease; admission runs in all. What to write is
 * {@link BindingDiff}'s decision; {@link BindingWrites} writes it; {@link RetryQueue} brings a
 * failed account back.
 */
public final class BindingReconciler implements BindingRequests, Leadership, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(BindingReconciler.class);
  private static final int MAX_ATTEMPTS = 5;
  private static final Duration FIRST_RETRY = Duration.ofMillis(200);
  static final Duration RESYNC = Duration.ofMinutes(5);
  private static final Duration WRITE_PATIENCE = Duration.ofSeconds(30);
  private static final Duration NAMESPACES_PENDING = Duration.ofSeconds(2);

  /** What the reconciler did, for metrics. */
  public interface Listener {
    void action(String action, String result);

    /** A pass over every ServiceAccount and managed binding began. */
    default void resynced() {}

    Listener NONE = (action, result) -> { };
  }

  /** Where the Lease lives, who this replica is, and the Lease's timings. */
  public record Election(String namespace, String leaseName, String identity,
      LeaseTimings timings) {

    public Election(String namespace, String leaseName, String identity) {
      this(namespace, leaseName, identity, LeaseTimings.OPENSHIFT);
    }
  }

  /**
   * How long a Lease lasts, how long its holder keeps trying to renew it before it stops, and
   * how often candidates try (and the holder renews).
   */
  public record LeaseTimings(Duration leaseDuration, Duration renewDeadline,
      Duration retryPeriod) {
    /**
     * OpenShift's guidance for its operators' Leases (library-go's LeaderElectionDefaulting): a
     * leader rides out 78 s of API server downtime (an upgrade's rollout) and 30 s of clock skew;
     * a Lease given up on shutdown is taken within 26 s, one whose holder died within 163 s. The
     * reconciler's writes can wait that long. controller-runtime's 15 s / 10 s / 2 s renewed
     * every 2 s: a GET and a PUT, their JSON and the JIT compilations of that rarely run code,
     * about 1 ms of CPU a second on the core that answers requests (the pinned tail bench,
     * issue 19), and a leader lost at every API server restart longer than 10 s.
     */
    public static final LeaseTimings OPENSHIFT =
        new LeaseTimings(Duration.ofSeconds(137), Duration.ofSeconds(107), Duration.ofSeconds(26));
  }

  private final KubernetesClient client;
  private final Supplier<Policy> policies;
  private final NamespaceFacts namespaces;
  private final Listener listener;
  private final SharedIndexInformer<ServiceAccount> accounts;
  private final SharedIndexInformer<RoleBinding> bindings;
  private final Worker worker;
  private final RetryQueue queue;
  private final UnobservedWrites writes;
  private final BindingWrites writer;
  private volatile boolean leading;
  private final Object electionLock = new Object();
  private LeaseElection election;
  private boolean closed;
  private final CompletableFuture<Void> released = new CompletableFuture<>();
  private final List<Consumer<Boolean>> leadingListeners = new CopyOnWriteArrayList<>();
  /** The periodic resync while leading; null while not. */
  private Worker.Periodic resync;

  public BindingReconciler(KubernetesClient client, Supplier<Policy> policies,
      NamespaceFacts namespaces, Listener listener) {
    this(client, policies, namespaces, listener, Worker.thread("binding-reconciler"));
  }

  BindingReconciler(KubernetesClient client, Supplier<Policy> policies,
      NamespaceFacts namespaces, Listener listener, Worker worker) {
    this.client = client;
    this.policies = policies;
    this.namespaces = namespaces;
    this.listener = listener;
    this.worker = worker;
    this.queue = new RetryQueue(worker, this::reconcileSafely, MAX_ATTEMPTS, FIRST_RETRY);
    KubernetesClient lists = KubeConnection.forInformers(client);
    this.accounts = Informers.retrying(
        lists.serviceAccounts().inAnyNamespace().runnableInformer(0), "ServiceAccount");
    this.bindings = Informers.retrying(lists.rbac().roleBindings().inAnyNamespace()
        .withLabel(RoleBindingPolicy.MANAGED_BY_LABEL, policies.get().roleBindings().managedBy())
        .runnableInformer(0), "managed RoleBinding");
    this.writes = new UnobservedWrites(WRITE_PATIENCE, System::nanoTime,
        key -> bindings.getStore().getByKey(key));
    this.writer = new BindingWrites(client, writes, listener);
    bindings.addEventHandler(InformerEvents.each(writes::observed));
    accounts.addEventHandler(InformerEvents.each((account, gone) -> changed(account,
        account.getMetadata().getName())));
    bindings.addEventHandler(InformerEvents.each((binding, gone) -> changed(binding,
        labels(binding).get(BindingPlan.SERVICE_ACCOUNT_LABEL))));
  }

  /** Starts the caches, then campaigns for the Lease; reconciles only while leading. */
  public CompletableFuture<Void> start(Election settings) {
    return CompletableFuture.allOf(accounts.start().toCompletableFuture(),
        bindings.start().toCompletableFuture()).thenRun(() -> {
          // A close() while the caches were starting must not leave a campaign nobody releases.
          synchronized (electionLock) {
            if (!closed) {
              election = LeaseElection.campaign(client, settings, this::startLeading,
                  this::stopLeading);
            }
          }
        });
  }

  @Override
  public boolean leading() {
    return leading;
  }

  /** The reconciler's Lease decides who leads for every cluster writer (reports, Events). */
  @Override
  public void onLeadingChange(Consumer<Boolean> listener) {
    leadingListeners.add(listener);
  }

  synchronized void startLeading() {
    leading = true;
    LOG.info("leading the binding reconciler: resyncing all ServiceAccounts");
    resyncAll();
    cancelResync();
    resync = worker.every(RESYNC, this::resyncAll);
    leadingListeners.forEach(listener -> listener.accept(true));
  }

  /** Losing the Lease ends the periodic resync too: a replica leading again starts a new one. */
  synchronized void stopLeading() {
    leading = false;
    cancelResync();
    LOG.info("no longer leading the binding reconciler");
    leadingListeners.forEach(listener -> listener.accept(false));
  }

  private void cancelResync() {
    if (resync != null) {
      resync.cancel();
      resync = null;
    }
  }

  /** Every ServiceAccount and every managed binding, as if each had just changed. */
  public void resyncAll() {
    listener.resynced();
    accounts.getStore().list().forEach(a -> enqueue(a.getMetadata().getNamespace(),
        a.getMetadata().getName(), Duration.ZERO));
    for (RoleBinding binding : bindings.getStore().list()) {
      String owner = labels(binding).get(BindingPlan.SERVICE_ACCOUNT_LABEL);
      if (owner != null) {
        enqueue(binding.getMetadata().getNamespace(), owner, Duration.ZERO);
      }
    }
  }

  /** Admission saw a ServiceAccount that may need a binding; it is acted on once stored. */
  @Override
  public void requested(String namespace, String name) {
    enqueue(namespace, name, Duration.ofMillis(100));
  }

  private void enqueue(String namespace, String name, Duration delay) {
    queue.add(namespace + "/" + name, delay);
  }

  private void reconcileSafely(String key) {
    if (!leading) {
      return;
    }
    if (!namespaces.synced()) {
      // Whether an account qualifies depends on its namespace's labels: until they are known,
      // change nothing (a binding removed now would be missing until the next resync).
      queue.add(key, NAMESPACES_PENDING);
      return;
    }
    try {
      reconcile(key);
      queue.succeeded(key);
    } catch (KubernetesClientException e) {
      queue.failed(key).ifPresentOrElse(
          retry -> LOG.warn("reconciling {} failed (HTTP {}); retry {} in {} ms", key,
              e.getCode(), retry.attempt(), retry.delay().toMillis()),
          () -> {
            LOG.error("reconciling {} failed {} times (HTTP {}); the next resync tries again",
                key, MAX_ATTEMPTS, e.getCode());
            listener.action("give-up", "error");
          });
    } catch (RuntimeException e) {
      LOG.error("reconciling {} failed unexpectedly", key, e);
      listener.action("reconcile", "error");
    }
  }

  private void reconcile(String key) {
    String[] parts = key.split("/", 2);
    String namespace = parts[0];
    String name = parts[1];
    ServiceAccount account = accounts.getStore().getByKey(key);
    Optional<RoleBinding> desired = account == null ? Optional.empty()
        : BindingPlan.desired(new BindingPlan.ServiceAccountFacts(namespace, name,
            Objects.toString(account.getMetadata().getUid(), ""), annotations(account)),
            namespaces.labels(namespace), policies.get());
    Predicate<RoleBinding> ownedByAccount =
        b -> name.equals(labels(b).get(BindingPlan.SERVICE_ACCOUNT_LABEL));
    List<RoleBinding> existing = writes.overlay(namespace, () -> bindings.getStore().list()
        .stream()
        .filter(b -> namespace.equals(b.getMetadata().getNamespace()) && ownedByAccount.test(b))
        .toList(), ownedByAccount);
    writer.apply(BindingDiff.between(desired, existing));
  }

  /** Managed bindings, for the metric. */
  public int managedBindings() {
    return bindings.getStore().list().size();
  }

  private static Map<String, String> labels(HasMetadata object) {
    Map<String, String> labels = object.getMetadata().getLabels();
    return labels == null ? Map.of() : labels;
  }

  private static Map<String, String> annotations(HasMetadata object) {
    Map<String, String> annotations = object.getMetadata().getAnnotations();
    return annotations == null ? Map.of() : annotations;
  }

  /** An informer saw the account, or a binding of it, change. */
  private void changed(HasMetadata object, String serviceAccount) {
    if (serviceAccount != null && leading) {
      enqueue(object.getMetadata().getNamespace(), serviceAccount, Duration.ZERO);
    }
  }

  /**
   * Completes once {@link #close()} has released the Lease (or tried to, or there was none): the
   * release needs the cluster connection, so whoever closes that waits for this first (bounded),
   * or the release fails on a closed connection and the next leader waits out the lease.
   */
  public CompletableFuture<Void> released() {
    return released;
  }

  @Override
  public void close() {
    leading = false;
    LeaseElection campaigning;
    synchronized (electionLock) {
      closed = true;
      campaigning = election;
    }
    if (campaigning != null) {
      campaigning.release(released);
    } else {
      released.complete(null);
    }
    worker.close();
    accounts.close();
    bindings.close();
  }
}
