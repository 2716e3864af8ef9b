package io.opendatahub.mlflow.webhook.mlflow;

import io.opendatahub.mlflow.webhook.admission.Finding;
import io.opendatahub.mlflow.webhook.policy.Action;
import io.opendatahub.mlflow.webhook.policy.MLflowEnvironmentRules;
import io.opendatahub.mlflow.webhook.policy.MLflowRule;
import java.util.ArrayList;
import java.util.Collections;
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

  /** {@code MLflowRule.values()} clones its array on every call; read once. */
  private static final MLflowRule[] RULES = MLflowRule.values();

  private final MLflowEnvironmentRules rules;
  private final ServedEnvironment served;
  private final List<Finding> findings = new ArrayList<>(4);
  /** Findings per rule, by ordinal; made at the first finding (most reviews have few or none). */
  private int[] counts;
  /** Whether a rule went past {@link #SHOWN_PER_RULE}, so {@link #list()} adds count lines. */
  private boolean capped;
  private String environment;

  RuleFindings(MLflowEnvironmentRules rules, ServedEnvironment served) {
    this.rules = rules;
    this.served = served;
  }

  MLflowEnvironmentRules rules() {
    return rules;
  }

  /** "environment 'production' (set by namespace 'x')", for messages; built once per review. */
  String environment() {
    if (environment == null) {
      environment = served.describe();
    }
    return environment;
  }

  boolean enabled(MLflowRule rule) {
    return rules.actionFor(rule) != Action.OFF;
  }

  void add(MLflowRule rule, String field, String message) {
    Action action = rules.actionFor(rule);
    if (shown(rule, action)) {
      findings.add(new Finding(rule.id(), action, field, message));
    }
  }

  /** As {@link #add(MLflowRule, String, String)}, building the message only if it is shown. */
  void add(MLflowRule rule, String field, Supplier<String> message) {
    Action action = rules.actionFor(rule);
    if (shown(rule, action)) {
      findings.add(new Finding(rule.id(), action, field, message.get()));
    }
  }

  /** Counts a finding the rule's action keeps; whether it is within the rule's shown ones. */
  private boolean shown(MLflowRule rule, Action action) {
    if (action == Action.OFF) {
      return false;
    }
    if (counts == null) {
      counts = new int[RULES.length];
    }
    if (++counts[rule.ordinal()] <= SHOWN_PER_RULE) {
      return true;
    }
    capped = true;
    return false;
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
    if (!capped) {
      return findings.isEmpty() ? List.of() : Collections.unmodifiableList(findings);
    }
    List<Finding> all = new ArrayList<>(findings);
    for (MLflowRule rule : RULES) {
      int count = counts[rule.ordinal()];
      if (count > SHOWN_PER_RULE) {
        all.add(new Finding(rule.id(), rules.actionFor(rule), "spec", (count - SHOWN_PER_RULE)
            + " more " + rule.id() + " findings are not listed. Fix the ones above, then apply"
            + " again to see the rest."));
      }
    }
    return Collections.unmodifiableList(all);
  }
}
