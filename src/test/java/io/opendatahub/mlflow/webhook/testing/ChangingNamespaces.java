package io.opendatahub.mlflow.webhook.testing;

import io.opendatahub.mlflow.webhook.admission.NamespaceFacts;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Namespace facts that change, with a version and a synced flag, as the informer's do. */
public final class ChangingNamespaces implements NamespaceFacts {

  private final Map<String, KnownNamespace> known = new ConcurrentHashMap<>();
  private final AtomicLong version = new AtomicLong();
  private volatile boolean synced = true;
  private final AtomicLong syncedQueries = new AtomicLong();
  private final Map<String, AtomicLong> labelQueries = new ConcurrentHashMap<>();

  public ChangingNamespaces put(String name, Map<String, String> labels) {
    known.put(name, new KnownNamespace(name, labels));
    version.incrementAndGet();
    return this;
  }

  public void remove(String name) {
    known.remove(name);
    version.incrementAndGet();
  }

  /** Forgets every namespace and reports not synced: a service that has not listed them yet. */
  public void unsynced() {
    known.clear();
    version.incrementAndGet();
    synced = false;
  }

  public void synced(boolean synced) {
    this.synced = synced;
  }

  /** How often {@link #synced()} was asked: a sign the reader has run. */
  public long syncedQueries() {
    return syncedQueries.get();
  }

  /** How often the labels of {@code namespace} were asked. */
  public long labelQueries(String namespace) {
    AtomicLong count = labelQueries.get(namespace);
    return count == null ? 0 : count.get();
  }

  @Override
  public Optional<Map<String, String>> labels(String namespace) {
    labelQueries.computeIfAbsent(namespace, ignored -> new AtomicLong()).incrementAndGet();
    return Optional.ofNullable(known.get(namespace)).map(KnownNamespace::labels);
  }

  @Override
  public Collection<KnownNamespace> namespaces() {
    return known.values();
  }

  @Override
  public long version() {
    return version.get();
  }

  @Override
  public boolean synced() {
    syncedQueries.incrementAndGet();
    return synced;
  }
}
