package io.opendatahub.mlflow.webhook.rbac;

import io.opendatahub.mlflow.webhook.admission.AdmissionRequest;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.admission.Finding;
import io.opendatahub.mlflow.webhook.admission.GroupVersionKind;
import io.opendatahub.mlflow.webhook.admission.KindHandler;
import io.opendatahub.mlflow.webhook.admission.Operation;
import io.opendatahub.mlflow.webhook.policy.Action;
import io.opendatahub.mlflow.webhook.policy.RoleBindingPolicy;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Guards RoleBindings of the MLflow integration role: it must be the ClusterRole, granted to no
 * group that means "everyone", to no ServiceAccount (nor the ServiceAccount group) of another
 * namespace, and bindings the service manages change only through the service. Subjects are read
 * as the RBAC authorizer reads them: by kind, exact name and namespace, whatever their
 * {@code apiGroup}. Bindings of other roles pass untouched after one look at {@code roleRef}.
 */
public final class RoleBindingAdmission implements KindHandler {

  static final String GROUP = "rbac.authorization.k8s.io";

  /** The group of every ServiceAccount of one namespace is this prefix plus the namespace. */
  private static final String SERVICE_ACCOUNTS_OF = "system:serviceaccounts:";

  @Override
  public boolean handles(GroupVersionKind kind) {
    return GROUP.equals(kind.group()) && "RoleBinding".equals(kind.kind());
  }

  @Override
  public List<Finding> validate(AdmissionRequest request, DecisionContext context) {
    RoleBindingPolicy policy = context.policy().roleBindings();
    List<Finding> findings = new ArrayList<>();
    if (managed(request.oldObject(), policy) || managed(request.object(), policy)) {
      checkManager(request, policy, findings);
    }
    boolean writes = request.operation() == Operation.CREATE
        || request.operation() == Operation.UPDATE;
    JsonNode binding = request.object();
    if (!writes || binding == null) {
      return findings;
    }
    // The API server never sends these shapes, but a binding the guard cannot read must not
    // pass as "not the integration role": deny it, naming the field.
    JsonNode roleRef = binding.get("roleRef");
    if (roleRef == null || !roleRef.isObject()) {
      findings.add(unreadable("roleRef", "must be an object with apiGroup, kind and"
          + " name; the service cannot tell which role this binding grants."));
      return findings;
    }
    JsonNode roleName = roleRef.get("name");
    if (roleName == null || !roleName.isString()) {
      findings.add(unreadable("roleRef.name", "must be a string; the service"
          + " cannot tell which role this binding grants."));
      return findings;
    }
    if (!policy.integrationRoles().contains(roleName.stringValue())) {
      return findings;
    }
    String role = roleName.stringValue();
    List<JsonNode> subjects = readableSubjects(binding, role, findings);
    JsonNode roleKind = roleRef.get("kind");
    if (roleKind != null && !roleKind.isString()) {
      findings.add(unreadable("roleRef.kind", "must be a string (ClusterRole)."));
    } else if (!"ClusterRole".equals(roleRef.path("kind").asString(""))) {
      findings.add(deny("rolebinding-role-kind", "roleRef.kind", "a namespaced Role named '"
          + role + "' shadows the MLflow integration ClusterRole; bind kind: ClusterRole, name: "
          + role + " instead, or rename the Role."));
    }
    String namespace = bindingNamespace(request, binding);
    for (int i = 0; i < subjects.size(); i++) {
      if (subjects.get(i) != null) {
        checkSubject(subjects.get(i), "subjects[" + i + "]", namespace, role, policy, findings);
      }
    }
    return findings;
  }

  /**
   * The subjects of an integration-role binding, with a finding for each that cannot be read;
   * an unreadable subject is null in the list. No {@code subjects} at all is valid (nobody).
   */
  private static List<JsonNode> readableSubjects(JsonNode binding, String role,
      List<Finding> findings) {
    JsonNode subjects = binding.get("subjects");
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

  private static void checkManager(AdmissionRequest request, RoleBindingPolicy policy,
      List<Finding> findings) {
    if (policy.managers().contains(request.userInfo().username())) {
      return;
    }
    findings.add(deny("rolebinding-managed", "metadata.labels", "this binding is managed by "
        + policy.managedBy() + " and is kept in line with its ServiceAccount; user '"
        + request.userInfo().username() + "' may not " + verb(request.operation())
        + " it. To take a ServiceAccount out of auto-binding, remove its opt-in annotation;"
        + " the binding then goes away by itself."));
  }

  private static String verb(Operation operation) {
    return operation == Operation.DELETE ? "delete" : "change";
  }

  static boolean managed(JsonNode binding, RoleBindingPolicy policy) {
    return binding != null && policy.managedBy().equals(binding.path("metadata").path("labels")
        .path(RoleBindingPolicy.MANAGED_BY_LABEL).asString(""));
  }

  private static String bindingNamespace(AdmissionRequest request, JsonNode binding) {
    String namespace = binding.path("metadata").path("namespace").asString("");
    return namespace.isEmpty() && request.namespace() != null ? request.namespace() : namespace;
  }

  private static Finding deny(String rule, String field, String message) {
    return new Finding(rule, Action.DENY, field, message);
  }

  private static Finding unreadable(String field, String message) {
    return deny("rolebinding-unreadable", field, message);
  }

  /**
   * A ServiceAccount subject without a namespace gets the binding's: the RBAC authorizer reads
   * it that way, and writing it down keeps audits honest.
   */
  @Override
  public JsonNode mutate(AdmissionRequest request, DecisionContext context) {
    JsonNode binding = request.object();
    boolean writes = request.operation() == Operation.CREATE
        || request.operation() == Operation.UPDATE;
    if (!writes || binding == null || !binding.path("subjects").isArray()) {
      return binding;
    }
    String namespace = bindingNamespace(request, binding);
    if (namespace.isEmpty()) {
      return binding;
    }
    ObjectNode result = null;
    JsonNode subjects = binding.path("subjects");
    for (int i = 0; i < subjects.size(); i++) {
      JsonNode subject = subjects.get(i);
      if (subject.isObject() && "ServiceAccount".equals(subject.path("kind").asString(""))
          && subject.path("namespace").asString("").isEmpty()) {
        if (result == null) {
          result = ((ObjectNode) binding).deepCopy();
        }
        ((ObjectNode) ((ArrayNode) result.get("subjects")).get(i)).put("namespace", namespace);
      }
    }
    return result == null ? binding : result;
  }
}
