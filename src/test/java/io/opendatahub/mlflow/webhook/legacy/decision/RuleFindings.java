package io.opendatahub.mlflow.webhook.legacy.decision;

import io.opendatahub.mlflow.webhook.admission.Finding;
import io.opendatahub.mlflow.webhook.policy.Action;
import io.opendatahub.mlflow.webhook.policy.MLflowEnvironmentRules;
import io.opendatahub.mlflow.webhook.policy.MLflowRule;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Collects findings, each with the action the environment gives its rule; {@code off} drops it.
 * A rule that fires once per {@code env} entry could otherwise fire a hundred thousand times for
 * one review: past {@link #SHOWN_PER_RULE} a rule's findings are counted, not built, and one line
 * says how many more there are, so the answer stays small and cheap whatever the CR holds.
 */
final class RuleFindings {

  static final int SHOWN_PER_RULE = 10;

  private final MLflowEnvironmentRules rules;
  private final ServedEnvironment served;
  private final List<Finding> findings = new ArrayList<>();
  private final int[] counts = new int[MLflowRule.values().length];

  RuleFindings(MLflowEnvironmentRules rules, ServedEnvironment served) {
    this.rules = rules;
    this.served = served;
  }

  MLflowEnvironmentRules rules() {
    return rules;
  }

  /** "environment 'production' (set by namespace 'x')", for messages. */
  String environment() {
    return served.describe();
  }

  boolean enabled(MLflowRule rule) {
    return rules.actionFor(rule) != Action.OFF;
  }

  void add(MLflowRule rule, String field, String message) {
    add(rule, field, () -> message);
  }

  /** As {@link #add(MLflowRule, String, String)}, building the message only if it is shown. */
  void add(MLflowRule rule, String field, Supplier<String> message) {
    Action action = rules.actionFor(rule);
    if (action != Action.OFF && ++counts[rule.ordinal()] <= SHOWN_PER_RULE) {
      findings.add(new Finding(rule.id(), action, field, message.get()));
    }
  }

  /**
   * As {@link #add}, but never stricter than {@code ceiling}: for findings that are advice in
   * this situation whatever the policy says (the policy can still make them quieter).
   */
  void addAtMost(Action ceiling, MLflowRule rule, String field, String message) {
    Action action = rules.actionFor(rule);
    if (action != Action.OFF) {
      // Action is declared from strictest (deny) to quietest (off).
      findings.add(new Finding(rule.id(), action.ordinal() < ceiling.ordinal() ? ceiling : action,
          field, message));
    }
  }

  List<Finding> list() {
    List<Finding> all = new ArrayList<>(findings);
    for (MLflowRule rule : MLflowRule.values()) {
      int count = counts[rule.ordinal()];
      if (count > SHOWN_PER_RULE) {
        all.add(new Finding(rule.id(), rules.actionFor(rule), "spec", (count - SHOWN_PER_RULE)
            + " more " + rule.id() + " findings are not listed. Fix the ones above, then apply"
            + " again to see the rest."));
      }
    }
    return List.copyOf(all);
  }
}
