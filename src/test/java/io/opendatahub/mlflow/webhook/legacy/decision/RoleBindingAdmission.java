package io.opendatahub.mlflow.webhook.legacy.decision;

import io.opendatahub.mlflow.webhook.admission.AdmissionRequest;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.admission.Finding;
import io.opendatahub.mlflow.webhook.admission.GroupVersionKind;
import io.opendatahub.mlflow.webhook.admission.KindHandler;
import io.opendatahub.mlflow.webhook.admission.Operation;
import io.opendatahub.mlflow.webhook.admission.PatchOp;
import io.opendatahub.mlflow.webhook.policy.Action;
import io.opendatahub.mlflow.webhook.policy.RoleBindingPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import tools.jackson.core.JsonPointer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Guards RoleBindings of the MLflow integration role: it must be the ClusterRole, granted to no
 * group that means "everyone", to no ServiceAccount (nor the ServiceAccount group) of another
 * namespace ({@link SubjectRules}), and bindings the service manages change only through the
 * service. Bindings of other roles pass untouched after one look at {@code roleRef}.
 */
public final class RoleBindingAdmission implements KindHandler {

  static final String GROUP = "rbac.authorization.k8s.io";

  private static final JsonPointer SUBJECTS = JsonPointer.compile("/subjects");

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
    JsonNode roleKind = roleRef.get("kind");
    if (roleKind != null && !roleKind.isString()) {
      findings.add(unreadable("roleRef.kind", "must be a string (ClusterRole)."));
    } else if (!"ClusterRole".equals(roleRef.path("kind").asString(""))) {
      findings.add(deny("rolebinding-role-kind", "roleRef.kind", "a namespaced Role named '"
          + role + "' shadows the MLflow integration ClusterRole; bind kind: ClusterRole, name: "
          + role + " instead, or rename the Role."));
    }
    SubjectRules.check(binding.get("subjects"), bindingNamespace(request, binding), role, policy,
        findings);
    return findings;
  }

  /**
   * Controllers that delete what the cluster no longer needs: the garbage collector (a managed
   * binding is owned by its ServiceAccount) and the namespace controller (a namespace being
   * deleted). Refusing them leaves orphans behind, or a namespace stuck in Terminating. The
   * last name is the controller manager's own identity when it does not run each controller
   * under its own ServiceAccount. They may delete, never create or change.
   */
  static final Set<String> CLEANUP_CONTROLLERS = Set.of(
      "system:serviceaccount:kube-system:generic-garbage-collector",
      "system:serviceaccount:kube-system:namespace-controller",
      "system:kube-controller-manager");

  private static void checkManager(AdmissionRequest request, RoleBindingPolicy policy,
      List<Finding> findings) {
    String user = request.userInfo().username();
    if (policy.managers().contains(user)
        || request.operation() == Operation.DELETE && CLEANUP_CONTROLLERS.contains(user)) {
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

  static Finding deny(String rule, String field, String message) {
    return new Finding(rule, Action.DENY, field, message);
  }

  static Finding unreadable(String field, String message) {
    return deny("rolebinding-unreadable", field, message);
  }

  /**
   * A ServiceAccount subject without a namespace gets the binding's: the RBAC authorizer reads
   * it that way, and writing it down keeps audits honest. An empty or null namespace is
   * replaced, a missing one added, each subject in turn.
   */
  @Override
  public List<PatchOp> mutate(AdmissionRequest request, DecisionContext context) {
    JsonNode binding = request.object();
    boolean writes = request.operation() == Operation.CREATE
        || request.operation() == Operation.UPDATE;
    if (!writes || binding == null || !binding.path("subjects").isArray()) {
      return List.of();
    }
    String namespace = bindingNamespace(request, binding);
    if (namespace.isEmpty()) {
      return List.of();
    }
    List<PatchOp> operations = new ArrayList<>(0);
    JsonNode subjects = binding.path("subjects");
    for (int i = 0; i < subjects.size(); i++) {
      JsonNode subject = subjects.get(i);
      if (subject.isObject() && "ServiceAccount".equals(subject.path("kind").asString(""))
          && subject.path("namespace").asString("").isEmpty()) {
        operations.add(PatchOp.set(subject, SUBJECTS.appendIndex(i).appendProperty("namespace"),
            JsonNodeFactory.instance.stringNode(namespace)));
      }
    }
    return operations;
  }
}
