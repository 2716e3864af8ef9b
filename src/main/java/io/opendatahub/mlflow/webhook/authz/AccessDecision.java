package io.opendatahub.mlflow.webhook.authz;

import java.util.Locale;

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

    /** Made once: it labels every answer's metrics. */
    private final String label = name().toLowerCase(Locale.ROOT);

    public String label() {
      return label;
    }
  }

  public static AccessDecision failClosed(String error) {
    return new AccessDecision(false, false, null, error, Source.NONE);
  }

  public AccessDecision from(Source other) {
    return new AccessDecision(allowed, denied, reason, evaluationError, other);
  }

  /**
   * The decision as metrics name it. RBAC refuses by having no opinion ({@code allowed} and
   * {@code denied} both false), which the tracking server takes as a denial: it counts as
   * {@code denied}. Only platform policy's "out of scope" answer counts as {@code no-opinion}.
   */
  public String label() {
    if (evaluationError != null) {
      return "error";
    }
    if (allowed) {
      return "allowed";
    }
    return denied || source != Source.POLICY ? "denied" : "no-opinion";
  }
}
