package io.opendatahub.mlflow.webhook.rbac;

import io.opendatahub.mlflow.webhook.policy.LabelSelector;
import io.opendatahub.mlflow.webhook.rbac.RbacModel.Rule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Resolves aggregated ClusterRoles as the aggregation controller would: a role with an
 * {@code aggregationRule} gets the rules of every other ClusterRole whose labels match any of
 * its selectors, taken in order of the source roles' names, duplicates dropped. (The rules the
 * role itself lists are replaced, as the controller replaces them.)
 */
public final class ClusterRoleAggregation {

  private ClusterRoleAggregation() {}

  /** A ClusterRole as read: its labels, its own rules, and its selectors (empty: not aggregated). */
  public record ClusterRole(String name, Map<String, String> labels, List<Rule> rules,
      List<LabelSelector> aggregationSelectors) {
    public ClusterRole {
      labels = labels == null ? Map.of() : Map.copyOf(labels);
      rules = RbacModel.copy(rules);
      aggregationSelectors = RbacModel.copy(aggregationSelectors);
    }
  }

  /** Rules of every ClusterRole by name, aggregation applied. */
  public static Map<String, List<Rule>> resolve(List<ClusterRole> roles) {
    Map<String, ClusterRole> byName = new TreeMap<>();
    roles.forEach(role -> byName.put(role.name(), role));
    Map<String, List<Rule>> resolved = new LinkedHashMap<>();
    for (ClusterRole role : byName.values()) {
      if (role.aggregationSelectors().isEmpty()) {
        resolved.put(role.name(), role.rules());
        continue;
      }
      Set<Rule> rules = new LinkedHashSet<>();
      for (ClusterRole source : byName.values()) {
        if (source == role) {
          continue;
        }
        if (role.aggregationSelectors().stream().anyMatch(s -> s.matches(source.labels()))) {
          rules.addAll(source.rules());
        }
      }
      resolved.put(role.name(), new ArrayList<>(rules));
    }
    return resolved;
  }
}
