package io.opendatahub.mlflow.webhook.authz;

/**
 * The answer to an access review, as {@code SubjectAccessReviewStatus} carries it, and where it
 * came from. {@code allowed=false, denied=false} means "no opinion".
 */
public record AccessDecision(boolean allowed, boolean denied, String reason,
    String evaluationError, Source source) {

  /** Where a decision came from, for metrics. */
  public enum Source {
    POLICY,
    CACHE,
    KUBERNETES,
    LOCAL,
    NONE;

    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public static AccessDecision failClosed(String error) {
    return new AccessDecision(false, false, null, error, Source.NONE);
  }

  public AccessDecision from(Source other) {
    return new AccessDecision(allowed, denied, reason, evaluationError, other);
  }

  public String label() {
    if (evaluationError != null) {
      return "error";
    }
    if (allowed) {
      return "allowed";
    }
    return denied ? "denied" : "no-opinion";
  }
}
