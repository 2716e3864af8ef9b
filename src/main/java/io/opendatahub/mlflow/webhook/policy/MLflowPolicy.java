package io.opendatahub.mlflow.webhook.policy;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code spec.mlflow} section: rules for MLflow CRs by environment, and defaults.
 *
 * @param namespaceRelabel what admission does when a Namespace's new labels would make an MLflow
 *     instance that serves it break its (stricter) environment's rules; {@code warn} when unset
 */
public record MLflowPolicy(
    @JsonProperty("deploymentNamespace") String deploymentNamespace,
    @JsonProperty("environments") Map<String, MLflowEnvironmentRules> environments,
    @JsonProperty("defaults") Defaults defaults,
    @JsonProperty("namespaceRelabel") Action namespaceRelabel) {

  /** The namespace the RHOAI operator deploys the tracking server into. */
  public static final String RHOAI_NAMESPACE = "redhat-ods-applications";

  public MLflowPolicy {
    deploymentNamespace =
        deploymentNamespace == null || deploymentNamespace.isBlank()
            ? RHOAI_NAMESPACE
            : deploymentNamespace;
    Map<String, MLflowEnvironmentRules> rules = new LinkedHashMap<>();
    if (environments != null) {
      // "production:" with nothing under it means "no rules", not a broken policy.
      environments.forEach((name, r) -> rules.put(name, r == null ? MLflowEnvironmentRules.UNRESTRICTED : r));
    }
    environments = Map.copyOf(rules);
    defaults = defaults == null ? new Defaults(null) : defaults;
    // Warn, not deny, by default: the namespace's owner may not own the MLflow CR, and a
    // refused relabel is a surprise far from its cause.
    namespaceRelabel = namespaceRelabel == null ? Action.WARN : namespaceRelabel;
  }

  public MLflowEnvironmentRules rulesFor(String environment) {
    return environments.getOrDefault(environment, MLflowEnvironmentRules.UNRESTRICTED);
  }

  /** {@code spec.mlflow.defaults}. */
  public record Defaults(@JsonProperty("storage") StorageDefaults storage) {
    public Defaults {
      storage = storage == null ? StorageDefaults.NONE : storage;
    }
  }
}
