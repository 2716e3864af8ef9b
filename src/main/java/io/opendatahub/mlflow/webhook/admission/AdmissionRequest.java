package io.opendatahub.mlflow.webhook.admission;

import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * The parts of {@code AdmissionReview.request} the service decides on. {@code object} is null on
 * DELETE, {@code oldObject} is null on CREATE. Both are read without {@code
 * metadata.managedFields} and {@code status} ({@link ReviewStreamReader}): a rule that needs
 * either must have the decoder keep it.
 */
public record AdmissionRequest(
    String uid,
    GroupVersionKind kind,
    String subResource,
    String name,
    String namespace,
    Operation operation,
    UserInfo userInfo,
    JsonNode object,
    JsonNode oldObject,
    boolean dryRun) {

  /** The user who made the request. */
  public record UserInfo(String username, List<String> groups) {
    public UserInfo {
      username = username == null ? "" : username;
      groups = groups == null ? List.of() : List.copyOf(groups);
    }

    public static final UserInfo ANONYMOUS = new UserInfo("", List.of());
  }

  public boolean isStatusUpdate() {
    return "status".equals(subResource);
  }
}
