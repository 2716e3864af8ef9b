package io.opendatahub.mlflow.webhook.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.rbac.AggregationRule;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.opendatahub.mlflow.webhook.policy.LabelSelector;
import io.opendatahub.mlflow.webhook.rbac.ClusterRoleAggregation;
import io.opendatahub.mlflow.webhook.rbac.RbacModel;
import io.opendatahub.mlflow.webhook.rbac.RbacSnapshot;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Kubernetes RBAC objects, from the API server or from manifests, as the evaluator's snapshot:
 * one conversion for both sources, so the cluster and the standalone authority cannot drift.
 */
public final class RbacObjects {

  private RbacObjects() {}

  /** Where aggregated ClusterRoles get their rules. */
  public enum Aggregation {
    /**
     * Manifests: no controller has run, so resolve {@code aggregationRule} selectors as the
     * aggregation controller would.
     */
    RESOLVE,
    /**
     * A cluster: the controller already wrote the aggregated rules into each ClusterRole, and the
     * API server's authorizer reads exactly those; so does this one.
     */
    AS_STORED
  }

  public static RbacSnapshot snapshot(Collection<? extends HasMetadata> objects,
      Aggregation aggregation) {
    List<Role> roles = new ArrayList<>();
    List<ClusterRole> clusterRoles = new ArrayList<>();
    List<RoleBinding> roleBindings = new ArrayList<>();
    List<ClusterRoleBinding> clusterRoleBindings = new ArrayList<>();
    for (HasMetadata object : objects) {
      if (object instanceof Role role) {
        roles.add(role);
      } else if (object instanceof ClusterRole clusterRole) {
        clusterRoles.add(clusterRole);
      } else if (object instanceof RoleBinding binding) {
        roleBindings.add(binding);
      } else if (object instanceof ClusterRoleBinding binding) {
        clusterRoleBindings.add(binding);
      }
    }
    return snapshot(roles, clusterRoles, roleBindings, clusterRoleBindings, aggregation);
  }

  public static RbacSnapshot snapshot(Collection<Role> roles, Collection<ClusterRole> clusterRoles,
      Collection<RoleBinding> roleBindings, Collection<ClusterRoleBinding> clusterRoleBindings,
      Aggregation aggregation) {
    Map<String, List<RbacModel.Rule>> roleRules = new HashMap<>();
    for (Role role : roles) {
      roleRules.put(role.getMetadata().getNamespace() + "/" + role.getMetadata().getName(),
          rules(role.getRules()));
    }
    Map<String, List<RbacModel.Rule>> clusterRoleRules = new HashMap<>();
    List<ClusterRoleAggregation.ClusterRole> toResolve = new ArrayList<>();
    for (ClusterRole role : clusterRoles) {
      clusterRoleRules.put(role.getMetadata().getName(), rules(role.getRules()));
      toResolve.add(new ClusterRoleAggregation.ClusterRole(role.getMetadata().getName(),
          orEmpty(role.getMetadata().getLabels()), rules(role.getRules()),
          selectors(role.getAggregationRule())));
    }
    List<RbacModel.Binding> bindings = new ArrayList<>();
    for (ClusterRoleBinding binding : clusterRoleBindings) {
      bindings.add(binding(binding.getMetadata().getName(), "", binding.getRoleRef(),
          binding.getSubjects()));
    }
    for (RoleBinding binding : roleBindings) {
      bindings.add(binding(binding.getMetadata().getName(), binding.getMetadata().getNamespace(),
          binding.getRoleRef(), binding.getSubjects()));
    }
    return new RbacSnapshot(roleRules, aggregation == Aggregation.RESOLVE
        ? ClusterRoleAggregation.resolve(toResolve) : clusterRoleRules, bindings);
  }

  private static RbacModel.Binding binding(String name, String namespace, RoleRef roleRef,
      List<Subject> subjects) {
    List<RbacModel.Subject> converted = new ArrayList<>();
    for (Subject subject : orEmpty(subjects)) {
      converted.add(new RbacModel.Subject(subject.getKind(), subject.getName(),
          subject.getNamespace()));
    }
    RbacModel.RoleRef ref = roleRef == null ? new RbacModel.RoleRef("", "")
        : new RbacModel.RoleRef(roleRef.getKind(), roleRef.getName());
    return new RbacModel.Binding(name, namespace, ref, converted);
  }

  private static List<RbacModel.Rule> rules(List<PolicyRule> rules) {
    List<RbacModel.Rule> converted = new ArrayList<>();
    for (PolicyRule rule : orEmpty(rules)) {
      converted.add(new RbacModel.Rule(rule.getVerbs(), rule.getApiGroups(), rule.getResources(),
          rule.getResourceNames(), rule.getNonResourceURLs()));
    }
    return converted;
  }

  private static List<LabelSelector> selectors(AggregationRule rule) {
    if (rule == null) {
      return List.of();
    }
    List<LabelSelector> selectors = new ArrayList<>();
    for (io.fabric8.kubernetes.api.model.LabelSelector selector
        : orEmpty(rule.getClusterRoleSelectors())) {
      List<LabelSelector.Requirement> requirements = new ArrayList<>();
      for (LabelSelectorRequirement requirement : orEmpty(selector.getMatchExpressions())) {
        requirements.add(new LabelSelector.Requirement(requirement.getKey(),
            LabelSelector.Operator.valueOf(requirement.getOperator()),
            requirement.getValues()));
      }
      selectors.add(new LabelSelector(selector.getMatchLabels(), requirements));
    }
    return selectors;
  }

  private static <T> List<T> orEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }

  private static Map<String, String> orEmpty(Map<String, String> map) {
    return map == null ? Map.of() : map;
  }
}
