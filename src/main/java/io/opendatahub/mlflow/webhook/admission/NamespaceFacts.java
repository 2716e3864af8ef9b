package io.opendatahub.mlflow.webhook.admission;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;

/**
 * What the service knows about namespaces: their names and labels. Reads are in-memory (an
 * informer cache or a static table), so decisions may call them on any thread.
 */
public interface NamespaceFacts {

  /** Labels of the namespace, or empty when the namespace is not known. */
  Optional<Map<String, String>> labels(String namespace);

  /** Every known namespace. */
  Collection<KnownNamespace> namespaces();

  /**
   * Whether the facts are complete: false while an informer has not listed the namespaces once
   * (API server slow or unreachable). Until then a namespace that is not known may still exist,
   * so decisions must not read "unknown" as "harmless". Fixed tables are always complete.
   */
  default boolean synced() {
    return true;
  }

  /**
   * Changes whenever a namespace appears, goes or changes labels, so results computed from the
   * facts can be reused while it stays the same. Facts that never change keep 0.
   */
  default long version() {
    return 0;
  }

  /** A namespace and its labels. */
  record KnownNamespace(String name, Map<String, String> labels) {
    public KnownNamespace {
      labels = Map.copyOf(labels);
    }
  }
}
