package io.opendatahub.mlflow.webhook.legacy.decision;

import io.opendatahub.mlflow.webhook.mlflow.Excerpt;
import io.opendatahub.mlflow.webhook.policy.MLflowRule;
import tools.jackson.databind.JsonNode;

/**
 * {@code garbageCollection} runs {@code mlflow gc} on a schedule: runs, experiments and logged
 * models that users soft-deleted are deleted for good, with their artifacts. Without {@code
 * olderThan} there is no grace period at all.
 */
final class GarbageCollectionRules {

  private GarbageCollectionRules() {}

  static void check(MLflowSpec spec, RuleFindings findings) {
    JsonNode gc = spec.node("garbageCollection");
    if (gc == null || !gc.isObject()) {
      return;
    }
    String schedule = Excerpt.of(gc.path("schedule").asString(""));
    String olderThan = MLflowResource.text(gc, "olderThan");
    String scope = olderThan == null
        ? "everything soft-deleted, however recently, so a run deleted by mistake cannot be"
            + " restored after the next run. Set garbageCollection.olderThan (e.g. 30d) to keep a"
            + " grace period."
        : "what was soft-deleted more than " + Excerpt.of(olderThan) + " ago. Nothing restores it afterwards;"
            + " make sure the users of every served workspace know.";
    findings.add(MLflowRule.GARBAGE_COLLECTION, "spec.garbageCollection", "permanently deletes"
        + " runs, experiments and logged models with their artifacts (schedule '" + schedule
        + "'): " + scope);
  }
}
