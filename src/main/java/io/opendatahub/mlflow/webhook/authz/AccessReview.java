package io.opendatahub.mlflow.webhook.authz;

import tools.jackson.databind.node.ObjectNode;

/**
 * A decoded {@code SelfSubjectAccessReview} or {@code SubjectAccessReview}.
 *
 * @param bodySubject the subject named in a SubjectAccessReview; null for the self form
 * @param document the request as sent, echoed back with a status
 */
public record AccessReview(Kind kind, ResourceAttributes attributes, Identity bodySubject,
    ObjectNode document) {

  /** Which form of review. */
  public enum Kind {
    SELF_SUBJECT_ACCESS_REVIEW("SelfSubjectAccessReview"),
    SUBJECT_ACCESS_REVIEW("SubjectAccessReview");

    final String wireName;

    Kind(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }
  }
}
