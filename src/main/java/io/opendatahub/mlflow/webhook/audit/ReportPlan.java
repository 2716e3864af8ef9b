package io.opendatahub.mlflow.webhook.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The writes that make the stored reports say what the audit found: create a report that is
 * missing, update one whose content differs (timestamps of unchanged results kept, so they never
 * count as a change), delete one of an object the audit no longer covers. Nothing for a report
 * that already says it: an unchanged cluster costs no writes. Pure.
 *
 * @param updates full objects carrying the stored {@code resourceVersion} (an update replaces the
 *     whole object: the report CRDs have no status subresource)
 */
public record ReportPlan(List<ObjectNode> creates, List<ObjectNode> updates,
    List<ReportKey> deletes) {

  public ReportPlan {
    creates = List.copyOf(creates);
    updates = List.copyOf(updates);
    deletes = List.copyOf(deletes);
  }

  public boolean isEmpty() {
    return creates.isEmpty() && updates.isEmpty() && deletes.isEmpty();
  }

  public int writes() {
    return creates.size() + updates.size() + deletes.size();
  }

  /**
   * @param desired the reports of what the audit covers now
   * @param stored the reports this service wrote (by its label), as the API server has them
   */
  public static ReportPlan between(Map<ReportKey, ObjectNode> desired,
      Map<ReportKey, ? extends JsonNode> stored) {
    List<ObjectNode> creates = new ArrayList<>();
    List<ObjectNode> updates = new ArrayList<>();
    List<ReportKey> deletes = new ArrayList<>();
    desired.forEach((key, report) -> {
      JsonNode existing = stored.get(key);
      if (existing == null) {
        creates.add(report);
        return;
      }
      ObjectNode update = PolicyReports.keepTimestamps(report, existing);
      if (!PolicyReports.sameContent(update, existing)) {
        JsonNode version = existing.path("metadata").path("resourceVersion");
        if (version.isString()) {
          ((ObjectNode) update.get("metadata")).put("resourceVersion", version.asString());
        }
        updates.add(update);
      }
    });
    stored.keySet().stream().filter(key -> !desired.containsKey(key)).sorted(
        java.util.Comparator.comparing(ReportKey::toString)).forEach(deletes::add);
    return new ReportPlan(creates, updates, deletes);
  }
}
