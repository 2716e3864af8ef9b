package io.opendatahub.mlflow.webhook.legacy.decision;

import io.opendatahub.mlflow.webhook.admission.Finding;
import io.opendatahub.mlflow.webhook.policy.Action;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.MissingNode;

/**
 * Validation ratcheting on UPDATE, as Kubernetes ratchets CRD validation: a {@code deny} finding
 * the old object already had, and that the update does not worsen, is reported but not enforced.
 * Without it, a policy that tightens (or a served namespace that becomes production) blocks every
 * later write to an existing instance, the operator's own annotation patches and the fix
 * included.
 *
 * <p>It works for every rule without knowing it: a finding of the new object is the "same" as one
 * of the old object when the rule, the field and the message are equal (the message names the
 * judged value, redacted, and the context such as the locations on the volume), the old one
 * denies too, and the value at the field is unchanged (so a new password behind the same
 * redacted text is a new finding). Anything else the update changes is judged in full.
 */
final class Ratchet {

  private Ratchet() {}

  /**
   * The new object's findings, with the {@code deny} findings the old object shares downgraded.
   *
   * @param now findings of the new object, update rules included
   * @param before findings of the old object, judged by the same policy and cluster facts
   */
  static List<Finding> apply(List<Finding> now, JsonNode newObject, List<Finding> before,
      JsonNode oldObject) {
    // A set, not a scan per finding: an object can carry thousands of findings (one per env
    // entry), and a quadratic comparison would let one request hold a core.
    // Only what the old object would be denied for: a finding that was a warning where the old
    // object served and denies where the new one serves (a wider selector) is a worsening.
    Set<Key> inheritable = new HashSet<>();
    for (Finding old : before) {
      if (old.action() == Action.DENY) {
        inheritable.add(Key.of(old));
      }
    }
    List<Finding> result = new ArrayList<>(now.size());
    for (Finding finding : now) {
      boolean inherited = finding.action() == Action.DENY
          && inheritable.contains(Key.of(finding))
          && at(oldObject, finding.field()).equals(at(newObject, finding.field()));
      result.add(inherited ? finding.ratchet() : finding);
    }
    return result;
  }

  /** What makes two findings the same, the value at the field aside. */
  private record Key(String rule, String field, String message) {
    static Key of(Finding finding) {
      return new Key(finding.rule(), finding.field(), finding.message());
    }
  }

  /**
   * The node a finding's field names ({@code spec.env[2].name}, {@code spec.storage}), or a
   * missing node: an unset field compares equal to an unset field.
   */
  static JsonNode at(JsonNode root, String field) {
    JsonNode node = root;
    for (String part : field.split("\\.")) {
      int bracket = part.indexOf('[');
      String name = bracket < 0 ? part : part.substring(0, bracket);
      if (!name.isEmpty()) {
        node = node.path(name);
      }
      while (bracket >= 0) {
        int close = part.indexOf(']', bracket);
        if (close < 0) {
          return MissingNode.getInstance();
        }
        try {
          node = node.path(Integer.parseInt(part.substring(bracket + 1, close)));
        } catch (NumberFormatException e) {
          return MissingNode.getInstance();
        }
        bracket = part.indexOf('[', close);
      }
    }
    return node;
  }
}
