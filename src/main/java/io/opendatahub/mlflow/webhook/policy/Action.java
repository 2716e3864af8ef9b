package io.opendatahub.mlflow.webhook.policy;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * What a rule does when it finds a problem, as in ValidatingAdmissionPolicy's validation actions.
 */
public enum Action {
  /** Reject the request. */
  DENY,
  /** Admit it and return an admission warning to the client. */
  WARN,
  /** Admit it and record an audit annotation. */
  AUDIT;

  @JsonValue
  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
