package io.opendatahub.mlflow.webhook.rbac;

import io.opendatahub.mlflow.webhook.rbac.RbacModel.Binding;
import io.opendatahub.mlflow.webhook.rbac.RbacModel.Request;
import io.opendatahub.mlflow.webhook.rbac.RbacModel.Rule;
import io.opendatahub.mlflow.webhook.rbac.RbacModel.Subject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An immutable view of a cluster's RBAC objects, indexed by subject: a decision looks only at
 * the bindings that name the requesting user or one of its groups, so its cost follows the
 * subject's bindings, not the cluster's.
 */
public final class RbacSnapshot {

  private final Map<String, List<Rule>> roles;
  private final Map<String, List<Rule>> clusterRoles;
  private final Map<String, List<Binding>> clusterBindings = new HashMap<>();
  private final Map<String, List<Binding>> namespaceBindings = new HashMap<>();

  /**
   * @param roles rules of each Role, keyed {@code namespace/name}
   * @param clusterRoles rules of each ClusterRole (aggregation already resolved), by name
   */
  public RbacSnapshot(Map<String, List<Rule>> roles, Map<String, List<Rule>> clusterRoles,
      List<Binding> bindings) {
    this.roles = Map.copyOf(roles);
    this.clusterRoles = Map.copyOf(clusterRoles);
    for (Binding binding : bindings) {
      for (String key : keys(binding)) {
        if (binding.namespace().isEmpty()) {
          clusterBindings.computeIfAbsent(key, k -> new ArrayList<>()).add(binding);
        } else {
          namespaceBindings.computeIfAbsent(binding.namespace() + "\0" + key,
              k -> new ArrayList<>()).add(binding);
        }
      }
    }
  }

  /** Index keys of a binding's subjects: users (ServiceAccounts as their user name) and groups. */
  private static Set<String> keys(Binding binding) {
    Set<String> keys = new LinkedHashSet<>();
    for (Subject subject : binding.subjects()) {
      switch (subject.kind()) {
        case "User" -> keys.add("u:" + subject.name());
        case "Group" -> keys.add("g:" + subject.name());
        case "ServiceAccount" -> {
          String namespace = subject.namespace().isEmpty() ? binding.namespace()
              : subject.namespace();
          if (!namespace.isEmpty()) {
            keys.add("u:" + RbacRules.serviceAccountUser(namespace, subject.name()));
          }
        }
        default -> { }
      }
    }
    return keys;
  }

  /** Bindings that may name the user: cluster-wide ones, then those of the request namespace. */
  List<Binding> candidates(Request request) {
    Set<Binding> found = new LinkedHashSet<>();
    List<String> keys = new ArrayList<>();
    keys.add("u:" + request.user());
    request.groups().forEach(group -> keys.add("g:" + group));
    for (String key : keys) {
      found.addAll(clusterBindings.getOrDefault(key, List.of()));
    }
    if (!request.namespace().isEmpty()) {
      for (String key : keys) {
        found.addAll(namespaceBindings.getOrDefault(request.namespace() + "\0" + key, List.of()));
      }
    }
    return new ArrayList<>(found);
  }

  /** Rules of the binding's role, or null when it does not exist (an error, not a denial). */
  List<Rule> rules(Binding binding) {
    return switch (binding.roleRef().kind()) {
      case "ClusterRole" -> clusterRoles.get(binding.roleRef().name());
      case "Role" -> binding.namespace().isEmpty() ? null
          : roles.get(binding.namespace() + "/" + binding.roleRef().name());
      default -> null;
    };
  }
}
