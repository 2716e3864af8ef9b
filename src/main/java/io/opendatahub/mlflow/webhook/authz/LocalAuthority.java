package io.opendatahub.mlflow.webhook.authz;

import io.opendatahub.mlflow.webhook.rbac.RbacEvaluator;
import io.opendatahub.mlflow.webhook.rbac.RbacModel;
import io.opendatahub.mlflow.webhook.rbac.RbacSnapshot;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The local authority: Kubernetes RBAC evaluated in-process, with no API call per decision. The
 * snapshot comes from informers (cluster) or manifests (standalone); identities from TokenReview
 * or a static token file. Exact for RBAC, blind to any other authorizer (OpenShift's included),
 * and it says so in every reason.
 */
public final class LocalAuthority implements AccessReviewer {

  static final String REASON_PREFIX = "local authority (RBAC only): ";

  private final Supplier<Optional<RbacSnapshot>> snapshots;
  private final Function<String, CompletableFuture<Optional<Identity>>> authenticator;

  /**
   * @param snapshots the current RBAC snapshot; empty while it is not known yet
   * @param authenticator resolves a bearer token to an identity
   */
  public LocalAuthority(Supplier<Optional<RbacSnapshot>> snapshots,
      Function<String, CompletableFuture<Optional<Identity>>> authenticator) {
    this.snapshots = snapshots;
    this.authenticator = authenticator;
  }

  @Override
  public CompletableFuture<Optional<Identity>> authenticate(String bearerToken) {
    return authenticator.apply(bearerToken);
  }

  /** Decisions are made here; tokens are asked of the API server unless they come from a file. */
  @Override
  public boolean asksApiServer(Question question) {
    return question == Question.TOKEN_REVIEW && !(authenticator instanceof StaticTokenFile);
  }

  @Override
  public CompletableFuture<AccessDecision> review(Identity identity, ResourceAttributes a) {
    Optional<RbacSnapshot> snapshot = snapshots.get();
    if (snapshot.isEmpty()) {
      // Failed, not denied: a decision would be cached, an unknown answer must not be.
      return CompletableFuture.failedFuture(new AuthorityUnavailableException(
          "the local RBAC caches have not synced with the API server yet; denied until they"
              + " have"));
    }
    RbacEvaluator.Decision decision = RbacEvaluator.authorize(RbacModel.Request.resource(
        identity.username(), identity.groups(), a.verb(), a.namespace(), a.group(), a.resource(),
        a.subresource(), a.name()), snapshot.get());
    return CompletableFuture.completedFuture(new AccessDecision(decision.allowed(), false,
        REASON_PREFIX + decision.reason(), null, AccessDecision.Source.LOCAL));
  }
}
