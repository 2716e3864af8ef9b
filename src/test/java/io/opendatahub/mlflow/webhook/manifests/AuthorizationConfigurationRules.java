package io.opendatahub.mlflow.webhook.manifests;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * kube-apiserver's validation of an {@code apiserver.config.k8s.io/v1} AuthorizationConfiguration
 * (KEP-3221, {@code ValidateAuthorizationConfiguration} and kube-apiserver's own checks), as
 * written down in the project's reference notes, for a file an admin copies to the control plane:
 * a mistake there stops the API server from starting. Returns every violation found.
 */
final class AuthorizationConfigurationRules {

  private static final Set<String> TYPES = Set.of("AlwaysAllow", "AlwaysDeny", "ABAC", "Webhook",
      "RBAC", "Node");
  /** v1 fields of a Webhook authorizer up to 1.33: strict decoding rejects anything else. */
  private static final Set<String> WEBHOOK_FIELDS = Set.of("timeout", "authorizedTTL",
      "unauthorizedTTL", "subjectAccessReviewVersion",
      "matchConditionSubjectAccessReviewVersion", "failurePolicy", "connectionInfo",
      "matchConditions");
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern GO_DURATION = Pattern.compile("((\\d+)(h|m|s|ms))+");
  private static final Pattern GO_DURATION_PART = Pattern.compile("(\\d+)(h|ms|m|s)");

  private AuthorizationConfigurationRules() {}

  static List<String> violations(JsonNode config) {
    List<String> problems = new ArrayList<>();
    if (!"apiserver.config.k8s.io/v1".equals(config.path("apiVersion").asString(""))) {
      problems.add("apiVersion must be apiserver.config.k8s.io/v1 (Kubernetes 1.32+)");
    }
    if (!"AuthorizationConfiguration".equals(config.path("kind").asString(""))) {
      problems.add("kind must be AuthorizationConfiguration");
    }
    for (String field : config.propertyNames()) {
      if (!Set.of("apiVersion", "kind", "authorizers").contains(field)) {
        problems.add("unknown field " + field);
      }
    }
    JsonNode authorizers = config.path("authorizers");
    if (!authorizers.isArray() || authorizers.isEmpty()) {
      problems.add("at least one authorizer is required");
      return problems;
    }
    Set<String> names = new HashSet<>();
    Set<String> types = new HashSet<>();
    for (int i = 0; i < authorizers.size(); i++) {
      JsonNode authorizer = authorizers.get(i);
      String at = "authorizers[" + i + "]";
      for (String field : authorizer.propertyNames()) {
        if (!Set.of("type", "name", "webhook").contains(field)) {
          problems.add(at + ": unknown field " + field);
        }
      }
      String type = authorizer.path("type").asString("");
      String name = authorizer.path("name").asString("");
      if (!TYPES.contains(type)) {
        problems.add(at + ".type '" + type + "' is not one of " + TYPES);
      }
      if (!type.equals("Webhook") && !types.add(type)) {
        problems.add(at + ".type " + type + " may appear once");
      }
      if (name.isEmpty() || name.length() > 253 || !DNS_SUBDOMAIN.matcher(name).matches()) {
        problems.add(at + ".name '" + name + "' must be a DNS-1123 subdomain");
      }
      if (!names.add(name)) {
        problems.add(at + ".name '" + name + "' is not unique");
      }
      if (!type.equals("Webhook") && !name.equals(type.toLowerCase(Locale.ROOT))) {
        problems.add(at + ".name of a " + type + " authorizer must be '"
            + type.toLowerCase(Locale.ROOT) + "'");
      }
      boolean hasWebhook = authorizer.has("webhook");
      if (type.equals("Webhook") != hasWebhook) {
        problems.add(at + ".webhook is " + (hasWebhook ? "forbidden" : "required")
            + " for type " + type);
      }
      if (type.equals("Webhook") && hasWebhook) {
        webhook(authorizer.path("webhook"), at + ".webhook", problems);
      }
    }
    return problems;
  }

  private static void webhook(JsonNode webhook, String at, List<String> problems) {
    for (String field : webhook.propertyNames()) {
      if (!WEBHOOK_FIELDS.contains(field)) {
        problems.add(at + ": unknown field " + field + " (cache* fields need 1.34+)");
      }
    }
    Duration timeout = duration(webhook.path("timeout"));
    if (timeout == null || timeout.isZero() || timeout.compareTo(Duration.ofSeconds(30)) > 0) {
      problems.add(at + ".timeout is required, > 0s and <= 30s");
    }
    for (String ttl : List.of("authorizedTTL", "unauthorizedTTL")) {
      if (webhook.has(ttl)) {
        Duration value = duration(webhook.path(ttl));
        if (value == null || value.isZero()) {
          problems.add(at + "." + ttl + " must be a duration > 0");
        }
      }
    }
    String version = webhook.path("subjectAccessReviewVersion").asString("");
    if (!Set.of("v1", "v1beta1").contains(version)) {
      problems.add(at + ".subjectAccessReviewVersion is required: v1 or v1beta1");
    }
    if (!Set.of("NoOpinion", "Deny").contains(webhook.path("failurePolicy").asString(""))) {
      problems.add(at + ".failurePolicy is required: NoOpinion or Deny");
    }
    JsonNode connection = webhook.path("connectionInfo");
    String type = connection.path("type").asString("");
    if (type.equals("KubeConfigFile")) {
      if (!connection.path("kubeConfigFile").asString("").startsWith("/")) {
        problems.add(at + ".connectionInfo.kubeConfigFile must be an absolute path");
      }
    } else if (type.equals("InClusterConfig")) {
      problems.add(at + ".connectionInfo.type InClusterConfig is not allowed for kube-apiserver");
    } else {
      problems.add(at + ".connectionInfo.type must be KubeConfigFile");
    }
    JsonNode conditions = webhook.path("matchConditions");
    if (conditions.isArray() && !conditions.isEmpty()) {
      if (!"v1".equals(webhook.path("matchConditionSubjectAccessReviewVersion").asString(""))) {
        problems.add(at + ".matchConditionSubjectAccessReviewVersion must be v1 when"
            + " matchConditions are set");
      }
      if (conditions.size() > 64) {
        problems.add(at + ".matchConditions: at most 64");
      }
      Set<String> expressions = new HashSet<>();
      for (JsonNode condition : conditions) {
        String expression = condition.path("expression").asString("").trim();
        if (expression.isEmpty() || !expressions.add(expression)) {
          problems.add(at + ".matchConditions: expressions must be non-empty and unique");
        }
      }
    }
  }

  /** A Go duration as the API server's YAML decoder reads it ({@code 3s}, {@code 5m}, ...). */
  static Duration duration(JsonNode node) {
    String text = node.isString() ? node.asString() : "";
    if (!GO_DURATION.matcher(text).matches()) {
      return null;
    }
    Duration total = Duration.ZERO;
    Matcher part = GO_DURATION_PART.matcher(text);
    Map<String, Duration> units = Map.of("h", Duration.ofHours(1), "m", Duration.ofMinutes(1),
        "s", Duration.ofSeconds(1), "ms", Duration.ofMillis(1));
    while (part.find()) {
      total = total.plus(units.get(part.group(2)).multipliedBy(Long.parseLong(part.group(1))));
    }
    return total;
  }
}
