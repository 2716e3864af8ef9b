package io.opendatahub.mlflow.webhook.admission;

import io.opendatahub.mlflow.webhook.policy.Action;

/**
 * One problem a rule found.
 *
 * @param rule stable rule id, used in metrics and audit annotations
 * @param field the JSON path of the offending field, e.g. {@code spec.backendStoreUri}
 * @param message what is wrong and how to fix it; never contains a secret
 * @param ratcheted a {@code deny} finding the old object of an UPDATE already had and the
 *     update does not worsen: reported (warning, audit annotation, metric) but not enforced, as
 *     Kubernetes ratchets CRD validation, so the way out of a bad state is never blocked
 */
public record Finding(String rule, Action action, String field, String message,
    boolean ratcheted) {

  /** Each action's wire name, made once: every finding of every answer is counted by outcome. */
  private static final String[] OUTCOMES = outcomes();

  public Finding(String rule, Action action, String field, String message) {
    this(rule, action, field, message, false);
  }

  /** The same finding, reported but no longer enforced. */
  public Finding ratchet() {
    return new Finding(rule, action, field, message, true);
  }

  /** Whether this finding rejects the request. */
  public boolean denies() {
    return action == Action.DENY && !ratcheted;
  }

  /** What was done with it, for metrics and reports: the action, or {@code ratcheted}. */
  public String outcome() {
    return ratcheted ? "ratcheted" : OUTCOMES[action.ordinal()];
  }

  private static String[] outcomes() {
    Action[] actions = Action.values();
    String[] names = new String[actions.length];
    for (Action action : actions) {
      names[action.ordinal()] = action.wireName();
    }
    return names;
  }

  public String describe() {
    return field + ": " + message;
  }
}
