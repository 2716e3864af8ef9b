package io.opendatahub.mlflow.webhook.authz;

import io.opendatahub.mlflow.webhook.policy.AuthorizationPolicy;
import java.util.Set;

/**
 * The tracking server's pseudo-resources and verbs. Metric labels use only these values, so a
 * caller cannot create unbounded label sets by asking about made-up resources.
 */
public final class MlflowResources {

  static final Set<String> RESOURCES = Set.of("experiments", "registeredmodels", "datasets",
      "jobs", "workspaces", "gatewaysecrets", "gatewayendpoints", "gatewaymodeldefinitions",
      "gatewaybudgets", "gatewayguardrails", "assistants", "mcpservers");
  static final Set<String> SUBRESOURCES = Set.of("", "use");
  static final Set<String> VERBS = Set.of("get", "list", "watch", "create", "update", "patch",
      "delete", "deletecollection", "use", "*");

  private MlflowResources() {}

  public static String label(ResourceAttributes attributes) {
    boolean known = AuthorizationPolicy.MLFLOW_GROUP.equals(attributes.group())
        && RESOURCES.contains(attributes.resource())
        && SUBRESOURCES.contains(attributes.subresource());
    return known ? attributes.fullResource() : "other";
  }

  public static String verbLabel(String verb) {
    return VERBS.contains(verb) ? verb : "other";
  }
}
