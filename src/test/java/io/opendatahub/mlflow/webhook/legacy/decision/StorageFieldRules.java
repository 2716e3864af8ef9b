package io.opendatahub.mlflow.webhook.legacy.decision;

import io.opendatahub.mlflow.webhook.mlflow.Excerpt;
import io.opendatahub.mlflow.webhook.policy.MLflowRule;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * {@code spec.storage} is a full PersistentVolumeClaim spec, but the operator builds its PVC from
 * three things only: {@code resources.requests.storage}, {@code storageClassName} and the first
 * of {@code accessModes}. Everything else is dropped without a word. A restore from a snapshot
 * or clone ({@code dataSource}, {@code dataSourceRef}) or a bind to an existing volume ({@code
 * volumeName}) therefore starts on an empty volume while the user believes the data is back:
 * {@code storage-data-source}. The other dropped fields only lose the user's intent: {@code
 * storage-ignored-field}.
 */
final class StorageFieldRules {

  /** Fields whose loss leaves the instance on an empty volume instead of the user's data. */
  private static final List<String> DATA_FIELDS = List.of("dataSource", "dataSourceRef", "volumeName");
  /** Other PVC fields the operator drops (it keeps size, class and the first access mode). */
  private static final List<String> IGNORED_FIELDS =
      List.of("selector", "volumeMode", "volumeAttributesClassName");

  private StorageFieldRules() {}

  static void check(MLflowSpec spec, RuleFindings findings) {
    JsonNode storage = spec.node("storage");
    if (storage == null || !storage.isObject()) {
      return;
    }
    for (String field : DATA_FIELDS) {
      if (set(storage.get(field))) {
        findings.add(MLflowRule.STORAGE_DATA_SOURCE, "spec.storage." + field, "the operator drops"
            + " storage." + field + " (it keeps only the size, the class and the first access"
            + " mode), so the PVC starts empty instead of holding the data it names. Restore the"
            + " data into the operator's PVC mlflow-pvc yourself (e.g. a Job copying from a"
            + " volume made from the snapshot), then remove storage." + field + ".");
      }
    }
    for (String field : IGNORED_FIELDS) {
      if (set(storage.get(field))) {
        ignored(findings, "spec.storage." + field, "storage." + field);
      }
    }
    if (set(storage.path("resources").get("limits"))) {
      ignored(findings, "spec.storage.resources.limits", "storage.resources.limits");
    }
    JsonNode modes = storage.get("accessModes");
    if (modes != null && modes.isArray() && modes.size() > 1) {
      ignored(findings, "spec.storage.accessModes", "every access mode but the first ("
          + Excerpt.of(modes.get(0).asString("")) + ")");
    }
  }

  private static void ignored(RuleFindings findings, String path, String what) {
    findings.add(MLflowRule.STORAGE_IGNORED_FIELD, path, "the operator ignores " + what
        + ": its PVC takes only the size, the storage class and the first access mode. Remove"
        + " it, or set what it should achieve through those three.");
  }

  private static boolean set(JsonNode node) {
    return node != null && !node.isNull() && !(node.isString() && node.stringValue().isEmpty())
        && !(node.isContainer() && node.isEmpty());
  }
}
