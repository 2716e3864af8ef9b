package io.opendatahub.mlflow.webhook.legacy.decision;

import io.opendatahub.mlflow.webhook.admission.NamespaceFacts;
import io.opendatahub.mlflow.webhook.admission.StaticNamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.Environment;
import io.opendatahub.mlflow.webhook.policy.LabelSelector;
import io.opendatahub.mlflow.webhook.policy.Policy;
import java.util.Map;
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
 * <p>{@link ServedEnvironments} remembers the answers; this record works them out.
 *
 * @param namespace the namespace that made it this strict, for messages; null when the
 *     namespaces are not known yet and the strictest environment applies
 */
public record ServedEnvironment(Environment environment, String namespace) {

  private static final JsonMapper MAPPER = JsonMapper.builder().build();

  /** Before the namespaces are known: the strictest environment the policy has. */
  static ServedEnvironment strictest(Policy policy) {
    return new ServedEnvironment(policy.environments().get(0), null);
  }

  static ServedEnvironment compute(LabelSelector served, Policy policy,
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
  public static LabelSelector workspaceSelector(JsonNode spec) {
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
