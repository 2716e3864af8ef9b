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

  @Override
  public Optional<Map<String, String>> labels(String namespace) {
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
    return synced;
  }
}
