package io.opendatahub.mlflow.webhook.legacy.decision;

import io.opendatahub.mlflow.webhook.admission.PatchOp;
import io.opendatahub.mlflow.webhook.policy.StorageDefaults;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JsonPointer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Fills {@code spec.storage} from the policy's defaults: only what is missing, never a field the
 * user set (a null size or storage class counts as set; a null {@code storage},
 * {@code resources}, {@code requests} or access mode list is filled in, as an empty list is),
 * so that mutating the mutated object changes nothing. A CR that keeps data on the pod's volume
 * (SQLite or file stores) but asks for no volume gets one, so it passes the operator's "storage
 * must be configured" rule instead of failing after the fact.
 *
 * <p>The result is the patch itself, on the CR as sent: a missing parent is set whole with the
 * default inside it (the API server's {@code add} fails under a parent that is not there). The
 * operations come in the order a diff of the CR and its defaulted copy listed them, which is
 * what this service answered before: members {@code storage} has come first, in its order, then
 * those it lacks.
 */
final class StorageDefaulter {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final JsonPointer STORAGE = JsonPointer.compile("/spec/storage");
  private static final JsonPointer RESOURCES = STORAGE.appendProperty("resources");
  private static final JsonPointer REQUESTS = RESOURCES.appendProperty("requests");
  private static final JsonPointer SIZE = REQUESTS.appendProperty("storage");
  private static final JsonPointer ACCESS_MODES = STORAGE.appendProperty("accessModes");
  private static final JsonPointer STORAGE_CLASS = STORAGE.appendProperty("storageClassName");

  private StorageDefaulter() {}

  /** The operations that default {@code spec} (the CR's, at {@code /spec}); empty when none. */
  static List<PatchOp> apply(ObjectNode spec, StorageDefaults defaults) {
    JsonNode storage = spec.get("storage");
    if (storage == null || !storage.isObject()) {
      if (defaults.size() == null || !needsVolume(spec)) {
        return List.of();
      }
      ObjectNode volume = NODES.objectNode();
      volume.set("resources", resourcesWith(defaults.size()));
      if (!defaults.accessModes().isEmpty()) {
        volume.set("accessModes", modes(defaults));
      }
      if (defaults.storageClassName() != null) {
        volume.put("storageClassName", defaults.storageClassName());
      }
      return List.of(PatchOp.set(spec, STORAGE, volume));
    }
    List<PatchOp> size = size(storage, defaults.size());
    List<PatchOp> modes = accessModes(storage, defaults);
    List<PatchOp> operations = new ArrayList<>(size.size() + modes.size() + 1);
    boolean sizeFirst = !storage.has("accessModes")
        || storage.has("resources") && listsResourcesFirst(storage);
    operations.addAll(sizeFirst ? size : modes);
    operations.addAll(sizeFirst ? modes : size);
    if (defaults.storageClassName() != null && !storage.has("storageClassName")) {
      operations.add(PatchOp.set(storage, STORAGE_CLASS, NODES.stringNode(
          defaults.storageClassName())));
    }
    return operations;
  }

  /**
   * {@code resources.requests.storage} when missing, set at the first of its parents that is
   * missing or null; nothing when one of them is something else (the shape check denies that).
   */
  private static List<PatchOp> size(JsonNode storage, String size) {
    if (size == null) {
      return List.of();
    }
    JsonNode resources = storage.get("resources");
    if (absent(resources)) {
      return List.of(PatchOp.set(storage, RESOURCES, resourcesWith(size)));
    }
    if (!resources.isObject()) {
      return List.of();
    }
    JsonNode requests = resources.get("requests");
    if (absent(requests)) {
      return List.of(PatchOp.set(resources, REQUESTS, requestsWith(size)));
    }
    if (!requests.isObject() || requests.has("storage")) {
      return List.of();
    }
    return List.of(PatchOp.set(requests, SIZE, NODES.stringNode(size)));
  }

  /**
   * The default access modes when the list is missing, null or empty. An empty list gets each
   * mode inserted, not the list replaced: the same patch the diff made.
   */
  private static List<PatchOp> accessModes(JsonNode storage, StorageDefaults defaults) {
    JsonNode existing = storage.get("accessModes");
    if (defaults.accessModes().isEmpty()) {
      return List.of();
    }
    if (absent(existing)) {
      return List.of(PatchOp.set(storage, ACCESS_MODES, modes(defaults)));
    }
    if (!existing.isArray() || !existing.isEmpty()) {
      return List.of();
    }
    List<PatchOp> inserts = new ArrayList<>(defaults.accessModes().size());
    for (int i = 0; i < defaults.accessModes().size(); i++) {
      inserts.add(PatchOp.insert(ACCESS_MODES.appendIndex(i),
          NODES.stringNode(defaults.accessModes().get(i))));
    }
    return inserts;
  }

  /** Whether {@code resources} comes before {@code accessModes} among the storage's members. */
  private static boolean listsResourcesFirst(JsonNode storage) {
    for (String name : storage.propertyNames()) {
      if (name.equals("resources")) {
        return true;
      }
      if (name.equals("accessModes")) {
        return false;
      }
    }
    return true;
  }

  /** The same test as the storage-required rule, so a defaulted CR passes it. */
  private static boolean needsVolume(JsonNode spec) {
    return !new MLflowSpec(spec).fileBasedLocations().isEmpty();
  }

  private static boolean absent(JsonNode node) {
    return node == null || node.isNull();
  }

  private static ObjectNode resourcesWith(String size) {
    ObjectNode resources = NODES.objectNode();
    resources.set("requests", requestsWith(size));
    return resources;
  }

  private static ObjectNode requestsWith(String size) {
    ObjectNode requests = NODES.objectNode();
    requests.put("storage", size);
    return requests;
  }

  private static ArrayNode modes(StorageDefaults defaults) {
    ArrayNode modes = NODES.arrayNode(defaults.accessModes().size());
    defaults.accessModes().forEach(modes::add);
    return modes;
  }
}
