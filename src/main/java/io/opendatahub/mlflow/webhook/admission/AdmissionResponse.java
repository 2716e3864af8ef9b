package io.opendatahub.mlflow.webhook.admission;

import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ArrayNode;

/**
 * {@code AdmissionReview.response}. A denial carries {@code code} 403 and a message; a patch is
 * present only when the mutation changed something.
 */
public record AdmissionResponse(
    String uid,
    boolean allowed,
    int code,
    String message,
    List<String> warnings,
    Map<String, String> auditAnnotations,
    ArrayNode patch,
    List<Finding> findings) {

  public static AdmissionResponse allow(String uid) {
    return new AdmissionResponse(uid, true, 0, null, List.of(), Map.of(), null, List.of());
  }

  public boolean hasPatch() {
    return patch != null && !patch.isEmpty();
  }
}
