package io.opendatahub.mlflow.webhook.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.opendatahub.mlflow.webhook.rbac.RbacSnapshot;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's RBAC objects from informers on Roles, ClusterRoles, RoleBindings and
 * ClusterRoleBindings (read-only access), kept as an immutable snapshot for the local authority.
 *
 * <p>Events only mark the snapshot stale; one background thread rebuilds it at most every
 * {@link #COALESCE_MILLIS}, so a burst of changes costs one rebuild and decisions never wait for
 * one. Until all four informers have synced there is no snapshot: an empty one would deny
 * everyone, which is a wrong answer, not a cautious one.
 */
public final class InformerRbac implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(InformerRbac.class);
  static final long COALESCE_MILLIS = 50;

  private final List<SharedIndexInformer<? extends HasMetadata>> informers;
  private final ScheduledExecutorService rebuilder = Executors.newSingleThreadScheduledExecutor(
      runnable -> {
        Thread thread = new Thread(runnable, "rbac-snapshot");
        thread.setDaemon(true);
        return thread;
      });
  private final AtomicBoolean rebuildScheduled = new AtomicBoolean();
  private final SharedIndexInformer<io.fabric8.kubernetes.api.model.rbac.Role> roles;
  private final SharedIndexInformer<io.fabric8.kubernetes.api.model.rbac.ClusterRole> clusterRoles;
  private final SharedIndexInformer<io.fabric8.kubernetes.api.model.rbac.RoleBinding> roleBindings;
  private final SharedIndexInformer<io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding>
      clusterRoleBindings;
  /** Informers of this instance's own, closed with it; the shared RoleBinding one is not. */
  private final List<AutoCloseable> owned;
  private volatile RbacSnapshot snapshot;
  private CompletableFuture<Void> started;

  /** With informers of its own for all four kinds. */
  public InformerRbac(KubernetesClient client) {
    this(client, new ClusterInformers(client), true);
  }

  /**
   * Reads RoleBindings from {@code shared} (the background audit reads the same cache), and
   * keeps informers of its own for the other three kinds.
   */
  public InformerRbac(KubernetesClient client, ClusterInformers shared) {
    this(client, shared, false);
  }

  private InformerRbac(KubernetesClient client, ClusterInformers shared, boolean ownsShared) {
    var rbac = KubeConnection.forInformers(client).rbac();
    roles = Informers.retrying(rbac.roles().inAnyNamespace().runnableInformer(0), "Role");
    clusterRoles = Informers.retrying(rbac.clusterRoles().runnableInformer(0), "ClusterRole");
    roleBindings = shared.roleBindings();
    clusterRoleBindings = Informers.retrying(rbac.clusterRoleBindings().runnableInformer(0),
        "ClusterRoleBinding");
    informers = List.of(roles, clusterRoles, roleBindings, clusterRoleBindings);
    owned = ownsShared ? List.of(roles::close, clusterRoles::close, clusterRoleBindings::close,
        shared) : List.of(roles::close, clusterRoles::close, clusterRoleBindings::close);
    informers.forEach(informer -> informer.addEventHandler(new StaleOnChange<>()));
  }

  /**
   * Starts all four informers, once however often it is called; completes when each has read
   * its first list and the first snapshot exists.
   */
  public synchronized CompletableFuture<Void> start() {
    if (started == null) {
      started = CompletableFuture.allOf(informers.stream()
          .map(informer -> informer.start().toCompletableFuture())
          .toArray(CompletableFuture[]::new))
          .thenRun(this::rebuildNow);
    }
    return started;
  }

  public boolean synced() {
    return snapshot != null;
  }

  /** The latest snapshot, or empty until the informers have synced. */
  public Optional<RbacSnapshot> snapshot() {
    return Optional.ofNullable(snapshot);
  }

  private void stale() {
    if (!informers.stream().allMatch(SharedIndexInformer::hasSynced)) {
      return;
    }
    if (rebuildScheduled.compareAndSet(false, true)) {
      try {
        rebuilder.schedule(() -> {
          rebuildScheduled.set(false);
          rebuildNow();
        }, COALESCE_MILLIS, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException closed) {
        // An event of the shared RoleBinding informer after this was closed: nothing to do.
      }
    }
  }

  private synchronized void rebuildNow() {
    try {
      long started = System.nanoTime();
      snapshot = RbacObjects.snapshot(roles.getStore().list(), clusterRoles.getStore().list(),
          roleBindings.getStore().list(), clusterRoleBindings.getStore().list(),
          RbacObjects.Aggregation.AS_STORED);
      LOG.debug("RBAC snapshot rebuilt in {} ms", (System.nanoTime() - started) / 1_000_000);
    } catch (RuntimeException e) {
      // Keep the previous snapshot: one odd object must not take authorization down.
      LOG.error("RBAC snapshot rebuild failed; keeping the previous one: {}", e.toString());
    }
  }

  @Override
  public void close() {
    for (AutoCloseable informer : owned) {
      try {
        informer.close();
      } catch (Exception e) {
        LOG.debug("closing an RBAC informer failed: {}", e.toString());
      }
    }
    rebuilder.shutdownNow();
  }

  private final class StaleOnChange<T> implements ResourceEventHandler<T> {
    @Override
    public void onAdd(T object) {
      stale();
    }

    @Override
    public void onUpdate(T before, T after) {
      stale();
    }

    @Override
    public void onDelete(T object, boolean finalStateUnknown) {
      stale();
    }
  }
}
