package io.opendatahub.mlflow.webhook.admission;

import io.opendatahub.mlflow.webhook.policy.Policy;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Standalone namespace facts: the namespaces the policy in force names, recomputed only when the
 * policy changes.
 */
public final class PolicyNamedNamespaces implements NamespaceFacts {

  private final Supplier<Policy> policies;
  private volatile Cached cached;

  public PolicyNamedNamespaces(Supplier<Policy> policies) {
    this.policies = policies;
  }

  private StaticNamespaceFacts facts() {
    Policy policy = policies.get();
    Cached snapshot = cached;
    if (snapshot == null || snapshot.policy() != policy) {
      snapshot = new Cached(policy, StaticNamespaceFacts.fromPolicy(policy));
      cached = snapshot;
    }
    return snapshot.facts();
  }

  @Override
  public Optional<Map<String, String>> labels(String namespace) {
    return facts().labels(namespace);
  }

  @Override
  public Collection<KnownNamespace> namespaces() {
    return facts().namespaces();
  }

  private record Cached(Policy policy, StaticNamespaceFacts facts) {}
}
