package io.opendatahub.mlflow.webhook.mlflow;

import io.opendatahub.mlflow.webhook.policy.StorageDefaults;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Fills {@code spec.storage} from the policy's defaults: only what is missing, never a field the
 * user set, so that mutating the mutated object changes nothing. A CR that keeps data on the pod's
 * volume (SQLite or file stores) but asks for no volume gets one, so it passes the operator's
 * "storage must be configured" rule instead of failing after the fact.
 */
final class StorageDefaulter {

  private StorageDefaulter() {}

  /** The spec with defaults applied, or the same instance when nothing was missing. */
  static ObjectNode apply(ObjectNode spec, StorageDefaults defaults) {
    JsonNode storage = spec.get("storage");
    boolean hasStorage = storage != null && storage.isObject();
    if (!hasStorage && (!needsVolume(spec) || defaults.size() == null)) {
      return spec;
    }
    ObjectNode result = spec.deepCopy();
    ObjectNode target = hasStorage ? (ObjectNode) result.get("storage") : result.putObject("storage");
    boolean changed = !hasStorage;
    if (defaults.size() != null && !target.path("resources").path("requests").has("storage")) {
      ObjectNode resources = objectField(target, "resources");
      ObjectNode requests = objectField(resources, "requests");
      if (resources != null && requests != null) {
        requests.put("storage", defaults.size());
        changed = true;
      }
    }
    if (!defaults.accessModes().isEmpty() && isEmptyList(target.get("accessModes"))) {
      var modes = target.putArray("accessModes");
      defaults.accessModes().forEach(modes::add);
      changed = true;
    }
    if (defaults.storageClassName() != null && !target.has("storageClassName")) {
      target.put("storageClassName", defaults.storageClassName());
      changed = true;
    }
    return changed ? result : spec;
  }

  /** The same test as the storage-required rule, so a defaulted CR passes it. */
  private static boolean needsVolume(JsonNode spec) {
    return !new MLflowSpec(spec).fileBasedLocations().isEmpty();
  }

  /** The object under {@code name}, created when absent; null when something else is there. */
  private static ObjectNode objectField(ObjectNode parent, String name) {
    if (parent == null) {
      return null;
    }
    JsonNode existing = parent.get(name);
    if (existing == null || existing.isNull()) {
      return parent.putObject(name);
    }
    return existing.isObject() ? (ObjectNode) existing : null;
  }

  private static boolean isEmptyList(JsonNode node) {
    return node == null || node.isNull() || node.isArray() && node.isEmpty();
  }
}
