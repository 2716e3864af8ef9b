package io.opendatahub.mlflow.webhook.admission;

import io.opendatahub.mlflow.webhook.policy.Policy;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Namespace facts from a fixed table, for running without a cluster: the namespaces the policy
 * names (plus the MLflow deployment namespace), or a table an admin passes to {@code check}.
 */
public final class StaticNamespaceFacts implements NamespaceFacts {

  /** The label the API server puts on every namespace. */
  public static final String NAME_LABEL = "kubernetes.io/metadata.name";

  private final Map<String, KnownNamespace> namespaces;

  public StaticNamespaceFacts(Collection<KnownNamespace> namespaces) {
    Map<String, KnownNamespace> byName = new LinkedHashMap<>();
    for (KnownNamespace namespace : namespaces) {
      Map<String, String> labels = new LinkedHashMap<>(namespace.labels());
      labels.putIfAbsent(NAME_LABEL, namespace.name());
      byName.put(namespace.name(), new KnownNamespace(namespace.name(), labels));
    }
    this.namespaces = Map.copyOf(byName);
  }

  /** The namespaces a policy names explicitly, with no labels but their name. */
  public static StaticNamespaceFacts fromPolicy(Policy policy) {
    Map<String, KnownNamespace> known = new LinkedHashMap<>();
    for (String name : policy.namedNamespaces()) {
      known.put(name, new KnownNamespace(name, Map.of()));
    }
    String deployment = policy.mlflow().deploymentNamespace();
    known.putIfAbsent(deployment, new KnownNamespace(deployment, Map.of()));
    return new StaticNamespaceFacts(known.values());
  }

  @Override
  public Optional<Map<String, String>> labels(String namespace) {
    KnownNamespace known = namespaces.get(namespace);
    return known == null ? Optional.empty() : Optional.of(known.labels());
  }

  @Override
  public Collection<KnownNamespace> namespaces() {
    return namespaces.values();
  }
}
