package io.opendatahub.mlflow.webhook.policy;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/** The {@code spec.mlflow} section: rules for MLflow CRs by environment, and defaults. */
public record MLflowPolicy(
    @JsonProperty("deploymentNamespace") String deploymentNamespace,
    @JsonProperty("environments") Map<String, MLflowEnvironmentRules> environments,
    @JsonProperty("defaults") Defaults defaults) {

  /** The namespace the RHOAI operator deploys the tracking server into. */
  public static final String RHOAI_NAMESPACE = "redhat-ods-applications";

  public MLflowPolicy {
    deploymentNamespace =
        deploymentNamespace == null || deploymentNamespace.isBlank()
            ? RHOAI_NAMESPACE
            : deploymentNamespace;
    environments = environments == null ? Map.of() : Map.copyOf(environments);
    defaults = defaults == null ? new Defaults(null) : defaults;
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
