package io.opendatahub.mlflow.webhook.mlflow;

import io.opendatahub.mlflow.webhook.admission.NamespaceFacts;
import io.opendatahub.mlflow.webhook.admission.StaticNamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.Environment;
import io.opendatahub.mlflow.webhook.policy.LabelSelector;
import io.opendatahub.mlflow.webhook.policy.Policy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The environment an MLflow CR is judged by. The CR is cluster-scoped and one tracking server
 * serves every workspace it selects, so its data is as precious as the most precious workspace:
 * the environment is the strictest among the deployment namespace and the served namespaces
 * (those matching {@code spec.workspaceLabelSelector}, or all when it is unset).
 *
 * <p>Until the namespace facts have synced, any namespace may exist and be production: the CR is
 * judged by the strictest environment the policy has. Refusing instead (so the webhook's
 * {@code failurePolicy: Fail} applies) would block every MLflow write, the operator's own
 * included, for as long as the API server is out of reach; judging it strictly blocks only
 * what the strictest environment forbids, with a message that says why.
 *
 * @param namespace the namespace that made it this strict, for messages; null when the
 *     namespaces are not known yet and the strictest environment applies
 */
public record ServedEnvironment(Environment environment, String namespace) {

  private static final JsonMapper MAPPER = JsonMapper.builder().build();
  /** Selectors remembered per state; a CR can name any selector, so the memo is bounded. */
  private static final int MAX_REMEMBERED_SELECTORS = 64;
  private static final AtomicReference<Memo> MEMO = new AtomicReference<>();

  /**
   * Answers for one policy and one state of the namespace facts. Classifying every namespace
   * for every review cost 10,000 x environments label matches per request (114 req/s at
   * 10,000 namespaces and 50 environments, BENCHMARKS.md); the answer only changes when the
   * policy, the namespaces or the selector do.
   */
  private record Memo(Policy policy, NamespaceFacts facts, long version,
      Map<LabelSelector, ServedEnvironment> bySelector) {}

  public static ServedEnvironment of(JsonNode spec, Policy policy, NamespaceFacts facts) {
    if (!facts.synced()) {
      return new ServedEnvironment(policy.environments().get(0), null);
    }
    LabelSelector served = workspaceSelector(spec);
    long version = facts.version();
    Memo memo = MEMO.get();
    if (memo == null || memo.policy() != policy || memo.facts() != facts
        || memo.version() != version) {
      memo = new Memo(policy, facts, version, new ConcurrentHashMap<>());
      MEMO.set(memo);
    }
    ServedEnvironment known = memo.bySelector().get(served);
    if (known != null) {
      return known;
    }
    ServedEnvironment computed = compute(served, policy, facts);
    if (memo.bySelector().size() < MAX_REMEMBERED_SELECTORS) {
      memo.bySelector().put(served, computed);
    }
    return computed;
  }

  private static ServedEnvironment compute(LabelSelector served, Policy policy,
      NamespaceFacts facts) {
    String deployment = policy.mlflow().deploymentNamespace();
    Map<String, String> deploymentLabels =
        facts.labels(deployment).orElse(Map.of(StaticNamespaceFacts.NAME_LABEL, deployment));
    Environment strictest = policy.classify(deployment, deploymentLabels);
    String because = deployment;
    int rank = policy.strictness(strictest);
    for (NamespaceFacts.KnownNamespace namespace : facts.namespaces()) {
      if (rank == 0) {
        break;
      }
      if (!served.matches(namespace.labels())) {
        continue;
      }
      Environment environment = policy.classify(namespace.name(), namespace.labels());
      int candidate = policy.strictness(environment);
      if (candidate < rank) {
        strictest = environment;
        because = namespace.name();
        rank = candidate;
      }
    }
    return new ServedEnvironment(strictest, because);
  }

  /**
   * An unset selector serves every namespace. One the service cannot read is treated the same
   * way, so a malformed selector can never make an instance look less critical than it is.
   */
  private static LabelSelector workspaceSelector(JsonNode spec) {
    JsonNode node = spec.get("workspaceLabelSelector");
    if (node == null || !node.isObject()) {
      return LabelSelector.EVERYTHING;
    }
    try {
      LabelSelector selector = MAPPER.treeToValue(node, LabelSelector.class);
      return selector == null ? LabelSelector.EVERYTHING : selector;
    } catch (JacksonException | IllegalArgumentException e) {
      return LabelSelector.EVERYTHING;
    }
  }

  public String describe() {
    if (namespace == null) {
      return "environment '" + environment.name() + "' (the strictest: the service has not yet"
          + " read the cluster's namespaces, so any of them may be served)";
    }
    return "environment '" + environment.name() + "' (set by namespace '" + namespace + "')";
  }
}
