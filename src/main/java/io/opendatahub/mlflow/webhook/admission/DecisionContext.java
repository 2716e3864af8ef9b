package io.opendatahub.mlflow.webhook.admission;

import io.opendatahub.mlflow.webhook.policy.Policy;

/** Everything a decision may read besides the request: one policy snapshot and the cluster facts. */
public record DecisionContext(Policy policy, NamespaceFacts namespaces) {}
