package io.opendatahub.mlflow.webhook.authz;

import io.opendatahub.mlflow.webhook.admission.NamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.AuthorizationPolicy;

/**
 * The platform policy as one link of the API server's authorizer chain. It denies what the
 * policy switches off ({@code denied: true}, so the chain stops there and RBAC cannot allow it)
 * and has no opinion on everything else ({@code allowed: false, denied: false}), so the next
 * authorizer decides. It never allows: granting is RBAC's job.
 *
 * <p>Pure: policy and in-memory namespace facts in, decision out. It must never ask the API
 * server (a SubjectAccessReview or TokenReview from here would come back through the same chain).
 * The rules are {@link PolicyOverlay}'s, the same that {@code /authorize} applies.
 */
public final class ChainAuthorizer {

  private static final AccessDecision NO_OPINION =
      new AccessDecision(false, false, null, null, AccessDecision.Source.POLICY);

  private ChainAuthorizer() {}

  /**
   * @param attributes the question, or null for a non-resource request
   */
  public static AccessDecision decide(ResourceAttributes attributes, AuthorizationPolicy policy,
      NamespaceFacts facts) {
    return PolicyOverlay.decide(attributes, policy, facts)
        .filter(AccessDecision::denied)
        .orElse(NO_OPINION);
  }
}
