package io.opendatahub.mlflow.webhook.testing;

import io.fabric8.zjsonpatch.JsonDiff;
import io.fabric8.zjsonpatch.JsonPatch;
import io.opendatahub.mlflow.webhook.admission.AdmissionResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;

/**
 * Compares a {@code /mutate} answer with what the service answered before defaulters emitted
 * their own operations: a diff ({@code zjsonpatch}'s {@link JsonDiff}, which the service used)
 * of the object as sent and the object a deep-copying reference defaulter returns. Both patches
 * are applied to the object as sent with {@code zjsonpatch}'s {@link JsonPatch}, which, as the
 * API server does, refuses an {@code add} under a parent that is not there.
 */
public final class PatchDifferential {

  /** The operations a diff of an object and its defaulted copy lists when nothing is moved. */
  private static final Set<String> PLAIN = Set.of("add", "replace");

  /** How an answer compared; {@code problems} is empty when it is right. */
  public record Outcome(List<String> problems, boolean sameOperations, Set<String> diffOps) {}

  private PatchDifferential() {}

  /**
   * @param object the object as sent (the request's)
   * @param defaulted what the reference defaulter makes of it
   * @param answer the service's answer to the review of {@code object}
   */
  public static Outcome compare(JsonNode object, JsonNode defaulted, AdmissionResponse answer) {
    List<String> problems = new ArrayList<>();
    ArrayNode diff = (ArrayNode) JsonDiff.asJson(object, defaulted);
    ArrayNode patch = answer.hasPatch() ? answer.patch() : Fixtures.JSON.createArrayNode();
    Set<String> diffOps = new TreeSet<>();
    diff.forEach(op -> diffOps.add(op.get("op").asString()));
    JsonNode byDiff = JsonPatch.apply(diff, object);
    if (!byDiff.equals(defaulted)) {
      problems.add("the old diff " + diff + " gives " + byDiff + ", not " + defaulted);
    }
    JsonNode byPatch;
    try {
      byPatch = JsonPatch.apply(patch, object);
    } catch (RuntimeException e) {
      problems.add("the patch " + patch + " does not apply: " + e.getMessage());
      return new Outcome(problems, false, diffOps);
    }
    if (!byPatch.equals(byDiff)) {
      problems.add("the patch " + patch + " gives " + byPatch + ", the old diff " + diff
          + " gave " + byDiff);
    }
    String patchBytes = Fixtures.JSON.writeValueAsString(patch);
    String diffBytes = Fixtures.JSON.writeValueAsString(diff);
    boolean same = patchBytes.equals(diffBytes);
    if (!same && PLAIN.containsAll(diffOps)) {
      problems.add("the patch " + patchBytes + " is not the old diff's " + diffBytes);
    }
    return new Outcome(problems, same, diffOps);
  }
}
