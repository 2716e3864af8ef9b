package io.opendatahub.mlflow.webhook.policy;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The MLflow CR rules that apply in one environment. */
public record MLflowEnvironmentRules(@JsonProperty("backendStore") StoreRules backendStore) {

  public MLflowEnvironmentRules {
    backendStore = backendStore == null ? StoreRules.ANY : backendStore;
  }

  /** An environment the policy says nothing about: nothing is restricted. */
  public static final MLflowEnvironmentRules UNRESTRICTED = new MLflowEnvironmentRules(null);
}
