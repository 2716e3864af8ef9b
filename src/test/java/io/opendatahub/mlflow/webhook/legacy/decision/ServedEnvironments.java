package io.opendatahub.mlflow.webhook.legacy.decision;

import io.opendatahub.mlflow.webhook.admission.NamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.LabelSelector;
import io.opendatahub.mlflow.webhook.policy.Policy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import tools.jackson.databind.JsonNode;

/**
 * The served environments one service has worked out, for one policy and one state of the
 * namespace facts. Classifying every namespace for every review cost 10,000 x environments label
 * matches per request (114 req/s at 10,000 namespaces and 50 environments, BENCHMARKS.md); the
 * answer only changes when the policy, the namespaces or the selector do.
 *
 * <p>Each service owns one (its {@link MLflowAdmission}), so two services in one JVM, each with
 * its own policy, do not throw each other's answers away.
 */
final class ServedEnvironments {

  /** Selectors remembered per state; a CR can name any selector, so the memo is bounded. */
  private static final int MAX_REMEMBERED_SELECTORS = 64;

  private final AtomicReference<Memo> memo = new AtomicReference<>();

  private record Memo(Policy policy, NamespaceFacts facts, long version,
      Map<LabelSelector, ServedEnvironment> bySelector) {}

  ServedEnvironment of(JsonNode spec, Policy policy, NamespaceFacts facts) {
    if (!facts.synced()) {
      return ServedEnvironment.strictest(policy);
    }
    LabelSelector served = ServedEnvironment.workspaceSelector(spec);
    long version = facts.version();
    Memo current = memo.get();
    if (current == null || current.policy() != policy || current.facts() != facts
        || current.version() != version) {
      current = new Memo(policy, facts, version, new ConcurrentHashMap<>());
      memo.set(current);
    }
    ServedEnvironment known = current.bySelector().get(served);
    if (known != null) {
      return known;
    }
    ServedEnvironment computed = ServedEnvironment.compute(served, policy, facts);
    if (current.bySelector().size() < MAX_REMEMBERED_SELECTORS) {
      current.bySelector().put(served, computed);
    }
    return computed;
  }
}
