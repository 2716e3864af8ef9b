package io.opendatahub.mlflow.webhook.authz;

import io.opendatahub.mlflow.webhook.policy.AuthorizationPolicy;
import java.util.HashMap;
import java.util.Map;
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

  /** The label of anything else. */
  static final String OTHER = "other";

  /**
   * Resource -> subresource -> label ({@code resource} or {@code resource/subresource}), built
   * once: a label is looked up, not joined, per request, and the same string each time, so the
   * metrics find its meters by a hash already known.
   */
  private static final Map<String, Map<String, String>> LABELS = new HashMap<>();
  private static final Map<String, String> VERB_LABELS = new HashMap<>();

  static {
    for (String resource : RESOURCES) {
      Map<String, String> bySubresource = new HashMap<>();
      for (String subresource : SUBRESOURCES) {
        bySubresource.put(subresource,
            subresource.isEmpty() ? resource : resource + "/" + subresource);
      }
      LABELS.put(resource, Map.copyOf(bySubresource));
    }
    VERBS.forEach(verb -> VERB_LABELS.put(verb, verb));
  }

  private MlflowResources() {}

  /** {@code resource[/subresource]} of a known MLflow resource, else {@value #OTHER}. */
  public static String label(ResourceAttributes attributes) {
    if (!AuthorizationPolicy.MLFLOW_GROUP.equals(attributes.group())) {
      return OTHER;
    }
    Map<String, String> bySubresource = LABELS.get(attributes.resource());
    String label = bySubresource == null ? null : bySubresource.get(attributes.subresource());
    return label == null ? OTHER : label;
  }

  public static String verbLabel(String verb) {
    return VERB_LABELS.getOrDefault(verb, OTHER);
  }
}
