package io.opendatahub.mlflow.webhook.admission;

import io.opendatahub.mlflow.webhook.policy.Action;

/**
 * One problem a rule found.
 *
 * @param rule stable rule id, used in metrics and audit annotations
 * @param field the JSON path of the offending field, e.g. {@code spec.backendStoreUri}
 * @param message what is wrong and how to fix it; never contains a secret
 */
public record Finding(String rule, Action action, String field, String message) {

  public String describe() {
    return field + ": " + message;
  }
}
