package io.opendatahub.mlflow.webhook.mlflow;

import io.opendatahub.mlflow.webhook.admission.Finding;
import io.opendatahub.mlflow.webhook.policy.Action;
import io.opendatahub.mlflow.webhook.policy.MLflowEnvironmentRules;
import io.opendatahub.mlflow.webhook.policy.MLflowRule;
import java.util.ArrayList;
import java.util.List;

/** Collects findings, each with the action the environment gives its rule; {@code off} drops it. */
final class RuleFindings {

  private final MLflowEnvironmentRules rules;
  private final ServedEnvironment served;
  private final List<Finding> findings = new ArrayList<>();

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
    Action action = rules.actionFor(rule);
    if (action != Action.OFF) {
      findings.add(new Finding(rule.id(), action, field, message));
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
    return List.copyOf(findings);
  }
}
