package io.opendatahub.mlflow.webhook.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.opendatahub.mlflow.webhook.rbac.BindingRequests;
import io.opendatahub.mlflow.webhook.admission.NamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.policy.RoleBindingPolicy;
import io.opendatahub.mlflow.webhook.rbac.BindingPlan;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the integration-role bindings of qualifying ServiceAccounts true, whatever happened
 * while the service was down: creates missing bindings, recreates drifted ones ({@code roleRef}
 * cannot change in place), updates edited ones, removes those whose ServiceAccount no longer
 * qualifies. Works from informer caches on one worker thread, never on an event loop, and only
 * in the replica that holds the Lease; admission runs in all.
 */
public final class BindingReconciler implements BindingRequests, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(BindingReconciler.class);
  private static final int MAX_ATTEMPTS = 5;
  private static final Duration FIRST_RETRY = Duration.ofMillis(200);
  private static final Duration RESYNC = Duration.ofMinutes(5);
  private static final Duration WRITE_PATIENCE = Duration.ofSeconds(30);
  private static final Duration NAMESPACES_PENDING = Duration.ofSeconds(2);

  /** What the reconciler did, for metrics. */
  public interface Listener {
    void action(String action, String result);

    Listener NONE = (action, result) -> { };
  }

  /** Where the Lease lives and who this replica is. */
  public record Election(String namespace, String leaseName, String identity) {}

  private final KubernetesClient client;
  private final Supplier<Policy> policies;
  private final NamespaceFacts namespaces;
  private final Listener listener;
  private final SharedIndexInformer<ServiceAccount> accounts;
  private final SharedIndexInformer<RoleBinding> bindings;
  private final ScheduledExecutorService worker;
  private final Set<String> pending = ConcurrentHashMap.newKeySet();
  private final Map<String, Integer> attempts = new ConcurrentHashMap<>();
  private final UnobservedWrites writes;
  private volatile boolean leading;
  private CompletableFuture<?> election;
  private final CompletableFuture<Void> released = new CompletableFuture<>();

  public BindingReconciler(KubernetesClient client, Supplier<Policy> policies,
      NamespaceFacts namespaces, Listener listener) {
    this.client = client;
    this.policies = policies;
    this.namespaces = namespaces;
    this.listener = listener;
    this.worker = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "binding-reconciler");
      thread.setDaemon(true);
      return thread;
    });
    KubernetesClient lists = KubeConnection.forInformers(client);
    this.accounts = Informers.retrying(
        lists.serviceAccounts().inAnyNamespace().runnableInformer(0), "ServiceAccount");
    this.bindings = Informers.retrying(lists.rbac().roleBindings().inAnyNamespace()
        .withLabel(RoleBindingPolicy.MANAGED_BY_LABEL, policies.get().roleBindings().managedBy())
        .runnableInformer(0), "managed RoleBinding");
    this.writes = new UnobservedWrites(WRITE_PATIENCE, System::nanoTime,
        key -> bindings.getStore().getByKey(key));
    bindings.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(RoleBinding binding) {
        writes.observed(binding, false);
      }

      @Override
      public void onUpdate(RoleBinding before, RoleBinding after) {
        writes.observed(after, false);
      }

      @Override
      public void onDelete(RoleBinding binding, boolean finalStateUnknown) {
        writes.observed(binding, true);
      }
    });
    accounts.addEventHandler(handler(account -> account.getMetadata().getName()));
    bindings.addEventHandler(handler(binding -> binding.getMetadata().getLabels() == null ? null
        : binding.getMetadata().getLabels().get(BindingPlan.SERVICE_ACCOUNT_LABEL)));
  }

  /** Starts the caches, then campaigns for the Lease; reconciles only while leading. */
  public CompletableFuture<Void> start(Election settings) {
    return CompletableFuture.allOf(accounts.start().toCompletableFuture(),
        bindings.start().toCompletableFuture()).thenRun(() -> {
          election = client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
              .withName(settings.leaseName())
              .withLock(new LeaseLock(settings.namespace(), settings.leaseName(),
                  settings.identity()))
              .withLeaseDuration(Duration.ofSeconds(15))
              .withRenewDeadline(Duration.ofSeconds(10))
              .withRetryPeriod(Duration.ofSeconds(2))
              .withReleaseOnCancel(true)
              .withLeaderCallbacks(new LeaderCallbacks(this::startLeading, this::stopLeading,
                  leader -> LOG.info("binding reconciler leader: {}", leader)))
              .build()).build().start();
        });
  }

  public boolean leading() {
    return leading;
  }

  private void startLeading() {
    leading = true;
    LOG.info("leading the binding reconciler: resyncing all ServiceAccounts");
    resyncAll();
    worker.scheduleWithFixedDelay(this::resyncAll, RESYNC.toMillis(), RESYNC.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private void stopLeading() {
    leading = false;
    LOG.info("no longer leading the binding reconciler");
  }

  /** Every ServiceAccount and every managed binding, as if each had just changed. */
  public void resyncAll() {
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
    String key = namespace + "/" + name;
    if (pending.add(key)) {
      worker.schedule(() -> reconcileSafely(key), delay.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private void reconcileSafely(String key) {
    pending.remove(key);
    if (!leading) {
      return;
    }
    if (!namespaces.synced()) {
      // Whether an account qualifies depends on its namespace's labels: until they are known,
      // change nothing (a binding removed now would be missing until the next resync).
      String[] parts = key.split("/", 2);
      enqueue(parts[0], parts[1], NAMESPACES_PENDING);
      return;
    }
    try {
      reconcile(key);
      attempts.remove(key);
    } catch (KubernetesClientException e) {
      int attempt = attempts.merge(key, 1, Integer::sum);
      if (attempt < MAX_ATTEMPTS) {
        Duration backoff = FIRST_RETRY.multipliedBy(1L << (attempt - 1));
        LOG.warn("reconciling {} failed (HTTP {}); retry {} in {} ms", key, e.getCode(), attempt,
            backoff.toMillis());
        String[] parts = key.split("/", 2);
        enqueue(parts[0], parts[1], backoff);
      } else {
        attempts.remove(key);
        LOG.error("reconciling {} failed {} times (HTTP {}); the next resync tries again", key,
            MAX_ATTEMPTS, e.getCode());
        listener.action("give-up", "error");
      }
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
    for (RoleBinding binding : existing) {
      if (desired.isEmpty() || !desired.get().getMetadata().getName()
          .equals(binding.getMetadata().getName())) {
        delete(binding, "remove");
      }
    }
    if (desired.isEmpty()) {
      return;
    }
    RoleBinding want = desired.get();
    RoleBinding current = existing.stream()
        .filter(b -> b.getMetadata().getName().equals(want.getMetadata().getName()))
        .findFirst().orElse(null);
    if (current == null) {
      create(want);
    } else if (!Objects.equals(current.getRoleRef(), want.getRoleRef())) {
      delete(current, "recreate");
      create(want);
    } else if (!Objects.equals(current.getSubjects(), want.getSubjects())
        || !labels(current).entrySet().containsAll(labels(want).entrySet())
        || !Objects.equals(current.getMetadata().getOwnerReferences(),
            want.getMetadata().getOwnerReferences())) {
      RoleBinding repaired = new RoleBindingBuilder(current)
          .editMetadata().addToLabels(labels(want))
          .withOwnerReferences(want.getMetadata().getOwnerReferences()).endMetadata()
          .withSubjects(want.getSubjects()).build();
      writes.stored(client.rbac().roleBindings().inNamespace(namespace).resource(repaired)
          .update());
      LOG.info("repaired RoleBinding {}/{}", namespace, want.getMetadata().getName());
      listener.action("update", "ok");
    }
  }

  private void create(RoleBinding binding) {
    try {
      writes.stored(client.rbac().roleBindings()
          .inNamespace(binding.getMetadata().getNamespace()).resource(binding).create());
      LOG.info("created RoleBinding {}/{} for ServiceAccount {}",
          binding.getMetadata().getNamespace(), binding.getMetadata().getName(),
          binding.getSubjects().get(0).getName());
      listener.action("create", "ok");
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      // Someone created it meanwhile; the informer event brings us back to compare.
      listener.action("create", "exists");
    }
  }

  private void delete(RoleBinding binding, String action) {
    client.rbac().roleBindings().inNamespace(binding.getMetadata().getNamespace())
        .withName(binding.getMetadata().getName()).delete();
    writes.deleted(binding);
    LOG.info("deleted RoleBinding {}/{} ({})", binding.getMetadata().getNamespace(),
        binding.getMetadata().getName(), action);
    listener.action(action, "ok");
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

  private <T extends HasMetadata> ResourceEventHandler<T> handler(
      java.util.function.Function<T, String> serviceAccountName) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T object) {
        changed(object);
      }

      @Override
      public void onUpdate(T before, T after) {
        changed(after);
      }

      @Override
      public void onDelete(T object, boolean finalStateUnknown) {
        changed(object);
      }

      private void changed(T object) {
        String name = serviceAccountName.apply(object);
        if (name != null && leading) {
          enqueue(object.getMetadata().getNamespace(), name, Duration.ZERO);
        }
      }
    };
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
    if (election != null) {
      // Cancelling releases the Lease with an API call, retried while the API server is away
      // (20 s measured): let it finish on its own thread, never on the caller's.
      CompletableFuture<?> running = election;
      Thread release = new Thread(() -> {
        try {
          running.cancel(true);
        } finally {
          released.complete(null);
        }
      }, "lease-release");
      release.setDaemon(true);
      release.start();
    } else {
      released.complete(null);
    }
    worker.shutdownNow();
    accounts.close();
    bindings.close();
  }
}
