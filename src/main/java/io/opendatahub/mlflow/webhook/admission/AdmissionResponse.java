package io.opendatahub.mlflow.webhook.admission;

import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ArrayNode;

/**
 * {@code AdmissionReview.response}. A denial carries {@code code} 403 and a message; a patch is
 * present only when the mutation changed something.
 *
 * @param patchOps the patch as its operations, null or empty for none: the codec writes them
 *     straight into the answer, without a JSON Patch tree made first
 */
public record AdmissionResponse(
    String uid,
    boolean allowed,
    int code,
    String message,
    List<String> warnings,
    Map<String, String> auditAnnotations,
    List<PatchOp> patchOps,
    List<Finding> findings) {

  public static AdmissionResponse allow(String uid) {
    return new AdmissionResponse(uid, true, 0, null, List.of(), Map.of(), null, List.of());
  }

  public boolean hasPatch() {
    return patchOps != null && !patchOps.isEmpty();
  }

  /**
   * The patch as a JSON Patch document, made anew on each call: for whatever applies or prints
   * it (the {@code check} command, tests). Null when there is none.
   */
  public ArrayNode patch() {
    return hasPatch() ? PatchOp.document(patchOps) : null;
  }
}
