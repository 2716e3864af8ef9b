package io.opendatahub.mlflow.webhook.legacy.decision;

import io.opendatahub.mlflow.webhook.policy.Action;
import io.opendatahub.mlflow.webhook.policy.MLflowRule;
import io.opendatahub.mlflow.webhook.policy.StoreRules;
import java.math.BigDecimal;

/**
 * Changes an existing instance cannot survive: a volume cannot shrink or change access mode in
 * place, and a new backend store starts empty (old runs stay behind in the old one), except
 * that leaving a store the environment forbids is the way out and never denied as a switch.
 */
final class UpdateRules {

  private UpdateRules() {}

  static void check(MLflowSpec before, MLflowSpec after, RuleFindings findings) {
    if (before.hasStorage() && after.hasStorage()) {
      BigDecimal oldSize = VolumeRules.bytes(before.effectiveSize());
      BigDecimal newSize = VolumeRules.bytes(after.effectiveSize());
      if (oldSize != null && newSize != null && newSize.compareTo(oldSize) < 0) {
        findings.add(MLflowRule.STORAGE_SHRINK, "spec.storage.resources.requests.storage",
            "shrinking the volume from " + before.effectiveSize() + " to "
                + after.effectiveSize() + " is impossible: a PersistentVolumeClaim cannot"
                + " shrink. Keep " + before.effectiveSize() + " or more.");
      }
      if (!before.accessMode().equals(after.accessMode())) {
        findings.add(MLflowRule.ACCESS_MODE_CHANGE, "spec.storage.accessModes",
            "changing the access mode from " + before.accessMode() + " to " + after.accessMode()
                + " is impossible on an existing PersistentVolumeClaim. Keep "
                + before.accessMode() + ", or migrate the data to a new instance.");
      }
    }
    checkSwitch(before, after, findings);
  }

  private static void checkSwitch(MLflowSpec before, MLflowSpec after, RuleFindings findings) {
    String oldStore = before.backendIdentity();
    String newStore = after.backendIdentity();
    if (oldStore.equals(newStore)) {
      return;
    }
    String message = "the backend store changes from " + oldStore + " to " + newStore
        + ": existing runs, experiments and registered models stay in the old store and will not"
        + " show in the new one unless migrated.";
    StoreRules allowed = findings.rules().backendStore();
    if (!allows(before, allowed) && allows(after, allowed)) {
      // Leaving a store the environment forbids (SQLite in production) is the fix the other
      // rules ask for; denying it as a "switch" would leave no way out. Still worth a warning.
      findings.addAtMost(Action.WARN, MLflowRule.BACKEND_STORE_SWITCH, "spec.backendStoreUri",
          message + " Moving off " + oldStore + ", which " + findings.environment()
              + " does not allow, is never denied as a switch.");
      return;
    }
    findings.add(MLflowRule.BACKEND_STORE_SWITCH, "spec.backendStoreUri", message);
  }

  /**
   * Whether the backend store is one the environment admits, as the metadata store rules judge
   * it: a URI by its scheme family (a file store never), the operator's fallback as SQLite, and a
   * Secret reference, whose content the webhook cannot see, as admitted.
   */
  private static boolean allows(MLflowSpec spec, StoreRules allowed) {
    String uri = spec.text("backendStoreUri");
    if (uri != null) {
      String family = new StoreUri(uri).schemeFamily();
      return !family.equals("file") && allowed.allows(family);
    }
    return !spec.usesFallbackStore() || allowed.allows("sqlite");
  }
}
