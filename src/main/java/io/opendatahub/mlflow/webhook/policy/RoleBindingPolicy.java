package io.opendatahub.mlflow.webhook.policy;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The {@code spec.roleBindings} section: which ClusterRoles count as the MLflow integration role
 * and who may be bound to them.
 *
 * @param integrationRoles ClusterRole names of the integration role (deployed clusters name it
 *     {@code mlflow-operator-mlflow-integration}, the docs {@code mlflow-integration})
 * @param forbiddenGroups groups that may never be bound: they grant the role far too widely. An
 *     entry ending in {@code *} forbids every group that starts with what comes before the
 *     {@code *}; any other entry forbids exactly that group (Kubernetes compares group names
 *     exactly, so {@code System:Authenticated} is another group)
 * @param crossNamespaceServiceAccounts {@code deny} (default) or {@code allow} binding
 *     ServiceAccounts of other namespaces
 * @param allowedSubjectKinds if not empty, the only subject kinds allowed
 * @param managedBy value of {@code app.kubernetes.io/managed-by} on bindings the service manages
 * @param managers users who may change or delete managed bindings (the service's own identity)
 */
public record RoleBindingPolicy(
    @JsonProperty("integrationRoles") List<String> integrationRoles,
    @JsonProperty("forbiddenGroups") List<String> forbiddenGroups,
    @JsonProperty("crossNamespaceServiceAccounts") Access crossNamespaceServiceAccounts,
    @JsonProperty("allowedSubjectKinds") List<String> allowedSubjectKinds,
    @JsonProperty("managedBy") String managedBy,
    @JsonProperty("managers") List<String> managers) {

  /** Allow or deny, for choices that are not findings with actions. */
  public enum Access {
    @JsonProperty("allow") ALLOW,
    @JsonProperty("deny") DENY
  }

  public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";

  /**
   * Groups that mean "everybody" in some sense: every authenticated user, every user who logged
   * in one way (OpenShift's {@code system:authenticated:oauth}), anonymous requests, every
   * ServiceAccount of the cluster. Every ServiceAccount of one other namespace
   * ({@code system:serviceaccounts:NS}) is judged by {@code crossNamespaceServiceAccounts}.
   */
  public static final List<String> EVERYONE_GROUPS = List.of("system:authenticated",
      "system:authenticated:*", "system:unauthenticated", "system:serviceaccounts");

  public RoleBindingPolicy {
    integrationRoles = integrationRoles == null
        ? List.of("mlflow-integration", "mlflow-operator-mlflow-integration")
        : List.copyOf(integrationRoles);
    forbiddenGroups = forbiddenGroups == null ? EVERYONE_GROUPS : List.copyOf(forbiddenGroups);
    crossNamespaceServiceAccounts = crossNamespaceServiceAccounts == null
        ? Access.DENY : crossNamespaceServiceAccounts;
    allowedSubjectKinds = allowedSubjectKinds == null ? List.of() : List.copyOf(allowedSubjectKinds);
    managedBy = managedBy == null || managedBy.isBlank() ? "mlflow-policy-webhook" : managedBy;
    managers = managers == null
        ? List.of("system:serviceaccount:mlflow-policy-webhook:mlflow-policy-webhook")
        : List.copyOf(managers);
  }

  /** Whether {@code forbiddenGroups} forbids the group, by exact name or by a {@code *} prefix. */
  public boolean forbidsGroup(String group) {
    for (String entry : forbiddenGroups) {
      boolean matches = entry.endsWith("*")
          ? group.startsWith(entry.substring(0, entry.length() - 1))
          : group.equals(entry);
      if (matches) {
        return true;
      }
    }
    return false;
  }

  public static final RoleBindingPolicy DEFAULTS =
      new RoleBindingPolicy(null, null, null, null, null, null);
}
