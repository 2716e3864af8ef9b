package io.opendatahub.mlflow.webhook.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.policy.LabelSelector;
import io.opendatahub.mlflow.webhook.rbac.ClusterRoleAggregation.ClusterRole;
import io.opendatahub.mlflow.webhook.rbac.RbacModel.Rule;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The aggregation controller's TestSyncClusterRole cases, and the MLflow aggregate roles. */
class ClusterRoleAggregationTest {

  private static Rule rule(String verb) {
    return new Rule(List.of(verb), List.of(""), List.of("pods"), null, null);
  }

  private static LabelSelector selects(String key) {
    return new LabelSelector(Map.of(key, "true"), null);
  }

  @Test
  void selectsProperlyAndPutsInOrderOfSourceNames() {
    List<ClusterRole> roles = List.of(
        new ClusterRole("hammer", Map.of("foo", "true"), List.of(rule("hammer")), null),
        new ClusterRole("chisel", Map.of("foo", "true"), List.of(rule("chisel")), null),
        new ClusterRole("sandpaper", Map.of("other", "true"), List.of(rule("sandpaper")), null),
        new ClusterRole("target", Map.of(), List.of(rule("dead")), List.of(selects("foo"))));

    assertThat(ClusterRoleAggregation.resolve(roles).get("target"))
        .containsExactly(rule("chisel"), rule("hammer"));
  }

  @Test
  void stripsRulesOfRolesNoLongerSelectedAndDeadRules() {
    List<ClusterRole> roles = List.of(
        new ClusterRole("hammer", Map.of("other", "true"), List.of(rule("hammer")), null),
        new ClusterRole("target", Map.of(), List.of(rule("hammer"), rule("dead")),
            List.of(selects("foo"))));

    assertThat(ClusterRoleAggregation.resolve(roles).get("target")).isEmpty();
  }

  @Test
  void severalSelectorsAreOrAndDuplicatesAreRemoved() {
    List<ClusterRole> roles = List.of(
        new ClusterRole("a", Map.of("x", "true"), List.of(rule("get"), rule("list")), null),
        new ClusterRole("b", Map.of("y", "true"), List.of(rule("list"), rule("watch")), null),
        new ClusterRole("target", Map.of(), List.of(), List.of(selects("x"), selects("y"))));

    assertThat(ClusterRoleAggregation.resolve(roles).get("target"))
        .containsExactly(rule("get"), rule("list"), rule("watch"));
  }

  @Test
  void mlflowViewAndEditAggregateIntoTheOpenShiftRoles() {
    Rule view = new Rule(List.of("get", "list"), List.of("mlflow.kubeflow.org"),
        List.of("experiments"), null, null);
    Rule edit = new Rule(List.of("create", "update", "delete"), List.of("mlflow.kubeflow.org"),
        List.of("experiments"), null, null);
    List<ClusterRole> roles = List.of(
        new ClusterRole("mlflow-view", Map.of("rbac.authorization.k8s.io/aggregate-to-view", "true"),
            List.of(view), null),
        new ClusterRole("mlflow-edit", Map.of("rbac.authorization.k8s.io/aggregate-to-edit", "true"),
            List.of(edit), null),
        new ClusterRole("view", Map.of(), List.of(),
            List.of(selects("rbac.authorization.k8s.io/aggregate-to-view"))),
        new ClusterRole("edit", Map.of(), List.of(),
            List.of(selects("rbac.authorization.k8s.io/aggregate-to-edit"))));

    Map<String, List<Rule>> resolved = ClusterRoleAggregation.resolve(roles);

    assertThat(resolved.get("view")).containsExactly(view);
    assertThat(resolved.get("edit")).containsExactly(edit);
    assertThat(resolved.get("mlflow-view")).containsExactly(view);
  }
}
