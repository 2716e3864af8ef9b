package io.opendatahub.mlflow.webhook.mlflow;

import io.opendatahub.mlflow.webhook.policy.MLflowRule;
import java.math.BigDecimal;

/**
 * Changes an existing instance cannot survive: a volume cannot shrink or change access mode in
 * place, and a new backend store starts empty (old runs stay behind in the old one).
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
    String oldStore = before.backendIdentity();
    String newStore = after.backendIdentity();
    if (!oldStore.equals(newStore)) {
      findings.add(MLflowRule.BACKEND_STORE_SWITCH, "spec.backendStoreUri",
          "the backend store changes from " + oldStore + " to " + newStore + ": existing runs,"
              + " experiments and registered models stay in the old store and will not show in"
              + " the new one unless migrated.");
    }
  }
}
