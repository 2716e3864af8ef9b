package io.opendatahub.mlflow.webhook.authz;

import io.opendatahub.mlflow.webhook.policy.AuthorizationPolicy;
import java.util.Optional;

/**
 * What platform policy decides before RBAC is asked: questions outside MLflow's API group get no
 * opinion, and resources the platform switched off are denied whatever RBAC says.
 */
public final class PolicyOverlay {

  private PolicyOverlay() {}

  public static Optional<AccessDecision> decide(ResourceAttributes attributes,
      AuthorizationPolicy policy) {
    if (attributes == null) {
      return Optional.of(new AccessDecision(false, false, "out of scope: this endpoint decides"
          + " only for resources of API group " + AuthorizationPolicy.MLFLOW_GROUP
          + ", not for non-resource URLs", null, AccessDecision.Source.POLICY));
    }
    if (!AuthorizationPolicy.MLFLOW_GROUP.equals(attributes.group())) {
      return Optional.of(new AccessDecision(false, false, "out of scope: this endpoint decides"
          + " only for API group " + AuthorizationPolicy.MLFLOW_GROUP + ", asked about group '"
          + attributes.group() + "'", null, AccessDecision.Source.POLICY));
    }
    for (AuthorizationPolicy.DisabledResources disabled : policy.disabled()) {
      if (disabled.covers(attributes.resource(), attributes.subresource())) {
        return Optional.of(new AccessDecision(false, true, disabled.reason() + " ("
            + attributes.fullResource() + " is disabled by platform policy)", null,
            AccessDecision.Source.POLICY));
      }
    }
    return Optional.empty();
  }
}
