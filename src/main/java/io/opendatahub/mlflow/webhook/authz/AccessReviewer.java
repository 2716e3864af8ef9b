package io.opendatahub.mlflow.webhook.authz;

import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Who a token belongs to and what an identity may do: asked of the API server (TokenReview,
 * SubjectAccessReview) or answered in-process by the local authority (RBAC evaluated on informer
 * caches or manifests, tokens from a static file). One attempt per call, never on an event-loop
 * thread; callers add deadlines and retries.
 */
public interface AccessReviewer {

  /** The two questions; their labels name upstream calls in metrics. */
  enum Question {
    TOKEN_REVIEW,
    SUBJECT_ACCESS_REVIEW;

    public String label() {
      return name().replace("_", "").toLowerCase(Locale.ROOT);
    }
  }

  /** The identity, or empty when the token is unknown (to the API server or the token file). */
  CompletableFuture<Optional<Identity>> authenticate(String bearerToken);

  /** What the identity may do. */
  CompletableFuture<AccessDecision> review(Identity identity, ResourceAttributes attributes);

  /**
   * Whether this reviewer sends {@code question} to the API server now (an upstream call, timed
   * as one) rather than answering it in-process. Asked per question: the policy can switch
   * authorities without a restart.
   */
  default boolean asksApiServer(Question question) {
    return true;
  }
}
