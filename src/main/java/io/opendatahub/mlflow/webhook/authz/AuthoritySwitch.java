package io.opendatahub.mlflow.webhook.authz;

import io.opendatahub.mlflow.webhook.policy.AuthorizationPolicy.Authority;
import io.opendatahub.mlflow.webhook.policy.Policy;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * On a cluster, the policy's {@code spec.authorization.authority} picks who answers, per
 * question, so a policy reload switches authorities without a restart. Tokens are always
 * resolved by the API server (TokenReview): only it knows who a token belongs to.
 */
public final class AuthoritySwitch implements AccessReviewer {

  private final Supplier<Policy> policy;
  private final AccessReviewer kubernetes;
  private final AccessReviewer local;

  public AuthoritySwitch(Supplier<Policy> policy, AccessReviewer kubernetes, AccessReviewer local) {
    this.policy = policy;
    this.kubernetes = kubernetes;
    this.local = local;
  }

  @Override
  public CompletableFuture<Optional<Identity>> authenticate(String bearerToken) {
    return kubernetes.authenticate(bearerToken);
  }

  @Override
  public CompletableFuture<AccessDecision> review(Identity identity, ResourceAttributes attributes) {
    return reviewer().review(identity, attributes);
  }

  @Override
  public boolean asksApiServer(Question question) {
    return question == Question.TOKEN_REVIEW ? kubernetes.asksApiServer(question)
        : reviewer().asksApiServer(question);
  }

  private AccessReviewer reviewer() {
    return policy.get().authorization().authority() == Authority.LOCAL ? local : kubernetes;
  }
}
