package io.opendatahub.mlflow.webhook.rbac;

import io.opendatahub.mlflow.webhook.rbac.RbacModel.Request;
import io.opendatahub.mlflow.webhook.rbac.RbacModel.Rule;
import io.opendatahub.mlflow.webhook.rbac.RbacModel.Subject;
import java.util.List;

/**
 * The matching functions of the Kubernetes RBAC authorizer, with its semantics: {@code *}
 * wildcards, {@code resource/subresource} and {@code * /subresource}, resource names, non-resource
 * URLs with a trailing {@code *}, and subject matching with ServiceAccount namespace defaulting.
 */
public final class RbacRules {

  static final String ALL = "*";

  private RbacRules() {}

  public static boolean allows(Request request, Rule rule) {
    if (request.resourceRequest()) {
      String combined = request.subresource().isEmpty() ? request.resource()
          : request.resource() + "/" + request.subresource();
      return verbMatches(rule, request.verb())
          && apiGroupMatches(rule, request.apiGroup())
          && resourceMatches(rule, combined, request.subresource())
          && resourceNameMatches(rule, request.name());
    }
    return verbMatches(rule, request.verb()) && nonResourceUrlMatches(rule, request.path());
  }

  static boolean verbMatches(Rule rule, String verb) {
    return rule.verbs().contains(ALL) || rule.verbs().contains(verb);
  }

  static boolean apiGroupMatches(Rule rule, String group) {
    return rule.apiGroups().contains(ALL) || rule.apiGroups().contains(group);
  }

  /** {@code pods} does not cover {@code pods/status}; {@code * /scale} covers any scale. */
  static boolean resourceMatches(Rule rule, String combined, String subresource) {
    for (String resource : rule.resources()) {
      if (resource.equals(ALL) || resource.equals(combined)) {
        return true;
      }
      if (!subresource.isEmpty() && resource.equals("*/" + subresource)) {
        return true;
      }
    }
    return false;
  }

  /** A rule that lists names never matches a request without a name (list, create). */
  static boolean resourceNameMatches(Rule rule, String name) {
    return rule.resourceNames().isEmpty() || rule.resourceNames().contains(name);
  }

  static boolean nonResourceUrlMatches(Rule rule, String path) {
    for (String url : rule.nonResourceUrls()) {
      if (url.equals(ALL) || url.equals(path)) {
        return true;
      }
      if (url.endsWith("*") && path.startsWith(url.substring(0, url.length() - 1))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether the subject names this user. A User subject named {@code *} is not a wildcard; a
   * ServiceAccount without namespace takes the binding's, and matches nothing at cluster scope.
   */
  public static boolean appliesTo(Subject subject, String user, List<String> groups,
      String bindingNamespace) {
    return switch (subject.kind()) {
      case "User" -> subject.name().equals(user);
      case "Group" -> groups.contains(subject.name());
      case "ServiceAccount" -> {
        String namespace = subject.namespace().isEmpty() ? bindingNamespace : subject.namespace();
        yield !namespace.isEmpty() && matchesServiceAccount(namespace, subject.name(), user);
      }
      default -> false;
    };
  }

  /** {@code system:serviceaccount:NS:NAME}, both parts required and exact. */
  public static boolean matchesServiceAccount(String namespace, String name, String user) {
    return !namespace.isEmpty() && !name.isEmpty()
        && user.equals("system:serviceaccount:" + namespace + ":" + name);
  }

  /** The username of a ServiceAccount, as the API server's token authenticator sets it. */
  public static String serviceAccountUser(String namespace, String name) {
    return "system:serviceaccount:" + namespace + ":" + name;
  }
}
