package io.opendatahub.mlflow.webhook.legacy.decision;

import static io.opendatahub.mlflow.webhook.legacy.decision.RoleBindingAdmission.deny;
import static io.opendatahub.mlflow.webhook.legacy.decision.RoleBindingAdmission.unreadable;

import io.opendatahub.mlflow.webhook.admission.Finding;
import io.opendatahub.mlflow.webhook.policy.RoleBindingPolicy;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Who a binding of the integration role grants it to, judged subject by subject as the RBAC
 * authorizer reads subjects: by kind, exact name and (for ServiceAccounts) namespace, whatever
 * their {@code apiGroup}. A subject that cannot be read is denied, never skipped.
 */
final class SubjectRules {

  /** The group of every ServiceAccount of one namespace is this prefix plus the namespace. */
  private static final String SERVICE_ACCOUNTS_OF = "system:serviceaccounts:";
  /** The user of every anonymous request: the one member of {@link #UNAUTHENTICATED}. */
  private static final String ANONYMOUS = "system:anonymous";
  private static final String UNAUTHENTICATED = "system:unauthenticated";

  private SubjectRules() {}

  static void check(JsonNode subjects, String namespace, String role, RoleBindingPolicy policy,
      List<Finding> findings) {
    List<JsonNode> readable = readable(subjects, role, findings);
    for (int i = 0; i < readable.size(); i++) {
      if (readable.get(i) != null) {
        checkSubject(readable.get(i), "subjects[" + i + "]", namespace, role, policy, findings);
      }
    }
  }

  /**
   * The subjects of an integration-role binding, with a finding for each that cannot be read;
   * an unreadable subject is null in the list. No {@code subjects} at all is valid (nobody).
   */
  private static List<JsonNode> readable(JsonNode subjects, String role, List<Finding> findings) {
    List<JsonNode> readable = new ArrayList<>();
    if (subjects == null || subjects.isNull()) {
      return readable;
    }
    if (!subjects.isArray()) {
      findings.add(unreadable("subjects", "must be a list of subjects; the service"
          + " cannot tell whom this binding grants " + role + "."));
      return readable;
    }
    for (int i = 0; i < subjects.size(); i++) {
      JsonNode subject = subjects.get(i);
      String field = "subjects[" + i + "]";
      String wrong = !subject.isObject() ? field : wrongType(subject, field);
      if (wrong == null) {
        readable.add(subject);
      } else {
        readable.add(null);
        findings.add(unreadable(wrong, (wrong.equals(field)
            ? "must be an object with kind, name and (for a ServiceAccount) namespace"
            : "must be a string") + "; the service cannot tell whom this binding grants "
            + role + "."));
      }
    }
    return readable;
  }

  /** The first of kind, name, namespace that is present but not a string, or null. */
  private static String wrongType(JsonNode subject, String field) {
    for (String name : List.of("kind", "name", "namespace")) {
      JsonNode value = subject.get(name);
      if (value != null && !value.isNull() && !value.isString()) {
        return field + "." + name;
      }
    }
    return null;
  }

  private static void checkSubject(JsonNode subject, String field, String namespace, String role,
      RoleBindingPolicy policy, List<Finding> findings) {
    String kind = subject.path("kind").asString("");
    String name = subject.path("name").asString("");
    if (!policy.allowedSubjectKinds().isEmpty() && !policy.allowedSubjectKinds().contains(kind)) {
      findings.add(deny("rolebinding-subject-kind", field + ".kind", "subjects of kind '" + kind
          + "' may not be bound to " + role + "; allowed kinds: "
          + String.join(", ", policy.allowedSubjectKinds()) + "."));
    }
    boolean crossNamespaceDenied =
        policy.crossNamespaceServiceAccounts() == RoleBindingPolicy.Access.DENY;
    if ("Group".equals(kind) && policy.forbidsGroup(name)) {
      findings.add(deny("rolebinding-forbidden-group", field + ".name", "group '" + name
          + "' would grant " + role + " to " + everyone(name) + "; bind the ServiceAccounts or"
          + " users that need MLflow instead."));
    } else if ("Group".equals(kind) && name.startsWith(SERVICE_ACCOUNTS_OF)
        && !name.substring(SERVICE_ACCOUNTS_OF.length()).equals(namespace)
        && crossNamespaceDenied) {
      String other = name.substring(SERVICE_ACCOUNTS_OF.length());
      findings.add(deny("rolebinding-cross-namespace-sa", field + ".name", "group '" + name
          + "' is " + (other.isEmpty() ? "a ServiceAccount group that names no namespace"
              : "every ServiceAccount of namespace " + other) + ", not of this binding's ("
          + namespace + "); bind the ServiceAccounts that need MLflow in their own namespace,"
          + " or set spec.roleBindings.crossNamespaceServiceAccounts: allow."));
    }
    if ("ServiceAccount".equals(kind)) {
      String saNamespace = subject.path("namespace").asString("");
      if (!saNamespace.isEmpty() && !saNamespace.equals(namespace) && crossNamespaceDenied) {
        findings.add(deny("rolebinding-cross-namespace-sa", field + ".namespace",
            "ServiceAccount " + saNamespace + "/" + name + " belongs to another namespace than"
                + " this binding (" + namespace + "); bind it in its own namespace, or set"
                + " spec.roleBindings.crossNamespaceServiceAccounts: allow."));
      }
    }
    if ("User".equals(kind) && ANONYMOUS.equals(name) && policy.forbidsGroup(UNAUTHENTICATED)) {
      findings.add(deny("rolebinding-forbidden-group", field + ".name", "user '" + ANONYMOUS
          + "' is every anonymous request, as group '" + UNAUTHENTICATED + "' is, which this"
          + " policy forbids for " + role + "; bind the ServiceAccounts or users that need MLflow"
          + " instead."));
    }
    if ("User".equals(kind) && name.startsWith("system:serviceaccount:")) {
      String[] parts = name.split(":");
      if (parts.length == 4 && !parts[2].equals(namespace) && crossNamespaceDenied) {
        findings.add(deny("rolebinding-cross-namespace-sa", field + ".name", "user '" + name
            + "' is a ServiceAccount of namespace " + parts[2] + "; bind it in its own"
            + " namespace."));
      }
    }
  }

  private static String everyone(String group) {
    return switch (group) {
      case "system:authenticated" -> "every authenticated user";
      case "system:authenticated:oauth" -> "every user who logged in through OpenShift OAuth";
      case "system:unauthenticated" -> "anonymous requests";
      case "system:serviceaccounts" -> "every ServiceAccount in the cluster";
      default -> group.startsWith("system:authenticated:")
          ? "every user authenticated that way" : "everyone in that group";
    };
  }
}
