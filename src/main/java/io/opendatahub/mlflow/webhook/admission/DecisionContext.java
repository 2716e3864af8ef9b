package io.opendatahub.mlflow.webhook.admission;

import io.opendatahub.mlflow.webhook.policy.Policy;

/**
 * Everything a decision may read besides the request: one policy snapshot and the cluster facts
 * (namespaces, and the MLflow instances that exist).
 */
public record DecisionContext(Policy policy, NamespaceFacts namespaces,
    MlflowInstances instances) {

  /** Without MLflow instances: no cluster, or a decision that does not need them. */
  public DecisionContext(Policy policy, NamespaceFacts namespaces) {
    this(policy, namespaces, MlflowInstances.NONE);
  }
}
