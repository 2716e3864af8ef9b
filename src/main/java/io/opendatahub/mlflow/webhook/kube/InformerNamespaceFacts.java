package io.opendatahub.mlflow.webhook.kube;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.opendatahub.mlflow.webhook.admission.NamespaceFacts;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Namespace labels from a fabric8 informer. The informer's events keep a map of immutable
 * entries, so admission reads it without copying or locking and never calls the API server.
 */
public final class InformerNamespaceFacts implements NamespaceFacts, AutoCloseable {

  private final Map<String, KnownNamespace> namespaces = new ConcurrentHashMap<>();
  private final Collection<KnownNamespace> view = Collections.unmodifiableCollection(namespaces.values());
  private final SharedIndexInformer<Namespace> informer;
  private final AtomicLong version = new AtomicLong();
  /** Latched: every namespace of the first list has reached the map, not just the store. */
  private volatile boolean caughtUp;
  /** Told when a namespace appears, goes or changes labels; not on resyncs that change nothing. */
  private final List<Runnable> labelListeners = new CopyOnWriteArrayList<>();

  public InformerNamespaceFacts(KubernetesClient client) {
    this.informer = Informers.retrying(
        KubeConnection.forInformers(client).namespaces().runnableInformer(0), "namespace");
    informer.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Namespace namespace) {
        remember(namespace);
      }

      @Override
      public void onUpdate(Namespace before, Namespace after) {
        remember(after);
      }

      @Override
      public void onDelete(Namespace namespace, boolean finalStateUnknown) {
        namespaces.remove(namespace.getMetadata().getName());
        version.incrementAndGet();
        labelListeners.forEach(Runnable::run);
      }
    });
  }

  /** Starts watching; the stage completes when the first list has been read. */
  public CompletionStage<Void> start() {
    return informer.start();
  }

  @Override
  public long version() {
    return version.get();
  }

  /**
   * Whether the first list has been read and every namespace in it is known here. The informer
   * counts as synced once the list is in its own store, and hands each namespace to this class
   * after that: until then a namespace may still be missing (read as unknown, the strictest).
   * Once true, stays true, so readiness does not flicker with each namespace created.
   */
  @Override
  public boolean synced() {
    if (!caughtUp && informer.hasSynced()
        && namespaces.size() >= informer.getStore().listKeys().size()) {
      caughtUp = true;
    }
    return caughtUp;
  }

  /**
   * Runs {@code listener} on the informer's thread whenever a namespace appears, goes or changes
   * labels; it must return quickly (hand the work to a thread of its own).
   */
  public void onLabelsChange(Runnable listener) {
    labelListeners.add(listener);
  }

  private void remember(Namespace namespace) {
    String name = namespace.getMetadata().getName();
    Map<String, String> labels = namespace.getMetadata().getLabels();
    KnownNamespace known = new KnownNamespace(name, labels == null ? Map.of() : labels);
    KnownNamespace before = namespaces.put(name, known);
    version.incrementAndGet();
    if (!known.equals(before)) {
      labelListeners.forEach(Runnable::run);
    }
  }

  @Override
  public Optional<Map<String, String>> labels(String namespace) {
    KnownNamespace known = namespaces.get(namespace);
    return known == null ? Optional.empty() : Optional.of(known.labels());
  }

  @Override
  public Collection<KnownNamespace> namespaces() {
    return view;
  }

  @Override
  public void close() {
    informer.close();
  }
}
