package io.opendatahub.mlflow.webhook.policy;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * What a rule does when it finds a problem, as in ValidatingAdmissionPolicy's validation actions,
 * plus {@code off} for a rule an admin has switched off.
 */
public enum Action {
  /** Reject the request. */
  DENY,
  /** Admit it and return an admission warning to the client. */
  WARN,
  /** Admit it and record an audit annotation. */
  AUDIT,
  /** Do not check the rule at all. */
  OFF;

  @JsonValue
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static Action parse(String text) {
    for (Action action : values()) {
      if (action.wireName().equals(text)) {
        return action;
      }
    }
    throw new IllegalArgumentException("'" + text + "' is not an action; use deny, warn, audit"
        + " or off");
  }
}
