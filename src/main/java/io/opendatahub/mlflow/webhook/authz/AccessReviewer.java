package io.opendatahub.mlflow.webhook.authz;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Asks the cluster who a token belongs to and what an identity may do. One attempt per call,
 * never on an event-loop thread; callers add deadlines and retries.
 */
public interface AccessReviewer {

  /** TokenReview: the identity, or empty when the API server does not authenticate the token. */
  CompletableFuture<Optional<Identity>> authenticate(String bearerToken);

  /** SubjectAccessReview for the identity. */
  CompletableFuture<AccessDecision> review(Identity identity, ResourceAttributes attributes);
}
