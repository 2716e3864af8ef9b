package io.opendatahub.mlflow.webhook.audit;

import io.opendatahub.mlflow.webhook.admission.NamespaceFacts;
import java.util.AbstractCollection;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The cluster's namespace facts with one namespace's labels replaced: the world as it is before
 * or after a Namespace UPDATE, for judging the same MLflow CR in both. A view, not a copy: a
 * cluster holds thousands of namespaces, and only one differs.
 */
final class RelabelledNamespace implements NamespaceFacts {

  private final NamespaceFacts cluster;
  private final KnownNamespace relabelled;
  private final boolean known;

  RelabelledNamespace(NamespaceFacts cluster, String name, Map<String, String> labels) {
    this.cluster = cluster;
    this.relabelled = new KnownNamespace(name, labels);
    this.known = cluster.labels(name).isPresent();
  }

  @Override
  public Optional<Map<String, String>> labels(String namespace) {
    return relabelled.name().equals(namespace) ? Optional.of(relabelled.labels())
        : cluster.labels(namespace);
  }

  @Override
  public Collection<KnownNamespace> namespaces() {
    Collection<KnownNamespace> all = cluster.namespaces();
    return new AbstractCollection<>() {
      @Override
      public Iterator<KnownNamespace> iterator() {
        // The relabelled namespace first: where it ties with another for the strictest
        // environment, messages name it, the one the request is about.
        return Stream.concat(Stream.of(relabelled),
            all.stream().filter(namespace -> !namespace.name().equals(relabelled.name())))
            .iterator();
      }

      @Override
      public int size() {
        return all.size() + (known ? 0 : 1);
      }
    };
  }

  @Override
  public boolean synced() {
    return cluster.synced();
  }
}
