package io.opendatahub.mlflow.webhook.policy;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One immutable, validated policy snapshot. Environments are ordered from strictest to most
 * permissive: a namespace takes the first environment that claims it, and an object that touches
 * several namespaces takes the strictest of theirs.
 *
 * @param routes the MLflow route table: the built-in one, extended by the policy location's
 * @param source where the policy was read from, for messages
 * @param hash SHA-256 of the policy files' bytes, to tell replicas and reloads apart
 */
public record Policy(
    String name,
    List<Environment> environments,
    MLflowPolicy mlflow,
    AuthorizationPolicy authorization,
    RoleBindingPolicy roleBindings,
    ServiceAccountBindingPolicy serviceAccountBinding,
    List<RouteRule> routes,
    String source,
    String hash) {

  public Policy {
    environments = List.copyOf(environments);
    routes = List.copyOf(routes);
  }

  /** The environment of a namespace with the given labels. */
  public Environment classify(String namespace, Map<String, String> labels) {
    Environment fallback = null;
    for (Environment environment : environments) {
      if (environment.claims(namespace, labels)) {
        return environment;
      }
      if (environment.isDefault()) {
        fallback = environment;
      }
    }
    return fallback;
  }

  /** Position of an environment in the strictness order: lower is stricter. */
  public int strictness(Environment environment) {
    return environments.indexOf(environment);
  }

  /** Namespaces the policy names explicitly; the only ones known without a cluster. */
  public Set<String> namedNamespaces() {
    Set<String> names = new LinkedHashSet<>();
    for (Environment environment : environments) {
      names.addAll(environment.namespaces());
    }
    return names;
  }

  public List<String> environmentNames() {
    List<String> names = new ArrayList<>();
    environments.forEach(e -> names.add(e.name()));
    return names;
  }
}
