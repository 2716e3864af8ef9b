package io.opendatahub.mlflow.webhook.authz;

/**
 * A decoded {@code SelfSubjectAccessReview} or {@code SubjectAccessReview}.
 *
 * @param bodySubject the subject named in a SubjectAccessReview; null for the self form
 * @param document the request's body as sent (decoded, so valid JSON), echoed back with a
 *     status; kept as bytes and read again when the answer is written, which costs less than
 *     holding it as a tree. Compared by identity, as arrays in records are.
 */
public record AccessReview(Kind kind, ResourceAttributes attributes, Identity bodySubject,
    byte[] document) {

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
