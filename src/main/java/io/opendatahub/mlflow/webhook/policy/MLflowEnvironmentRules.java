package io.opendatahub.mlflow.webhook.policy;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.EnumMap;
import java.util.Map;

/**
 * The MLflow CR rules in one environment.
 *
 * @param action what every rule does here unless {@code rules} says otherwise (default deny)
 * @param rules per-rule actions by rule id, {@code off} to switch a rule off
 */
public record MLflowEnvironmentRules(
    @JsonProperty("action") Action action,
    @JsonProperty("backendStore") StoreRules backendStore,
    @JsonProperty("artifacts") StoreRules artifacts,
    @JsonProperty("storage") StorageRules storage,
    @JsonProperty("rules") Map<String, Action> rules) {

  public MLflowEnvironmentRules {
    action = action == null ? Action.DENY : action;
    backendStore = backendStore == null ? StoreRules.ANY : backendStore;
    artifacts = artifacts == null ? StoreRules.ANY : artifacts;
    storage = storage == null ? StorageRules.ANY : storage;
    rules = rules == null ? Map.of() : Map.copyOf(rules);
  }

  /** An environment the policy says nothing about: schemes and sizes are free, hazards denied. */
  public static final MLflowEnvironmentRules UNRESTRICTED =
      new MLflowEnvironmentRules(null, null, null, null, null);

  /** The action a rule takes here: per-rule setting, then the rule's own field, then defaults. */
  public Action actionFor(MLflowRule rule) {
    Action configured = rules.get(rule.id());
    if (configured != null) {
      return configured;
    }
    if (rule == MLflowRule.INLINE_CREDENTIALS && backendStore.inlineCredentials() != null) {
      return backendStore.inlineCredentials();
    }
    return rule.defaultAction(action);
  }

  /** Every rule's action, for documentation and the {@code check} command. */
  public Map<MLflowRule, Action> actions() {
    Map<MLflowRule, Action> actions = new EnumMap<>(MLflowRule.class);
    for (MLflowRule rule : MLflowRule.values()) {
      actions.put(rule, actionFor(rule));
    }
    return actions;
  }
}
