package io.opendatahub.mlflow.webhook.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.rbac.RbacModel.Binding;
import io.opendatahub.mlflow.webhook.rbac.RbacModel.Request;
import io.opendatahub.mlflow.webhook.rbac.RbacModel.RoleRef;
import io.opendatahub.mlflow.webhook.rbac.RbacModel.Rule;
import io.opendatahub.mlflow.webhook.rbac.RbacModel.Subject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** TestAuthorizer (rbac_test.go), case for case, plus the MLflow roles' shape. */
class RbacEvaluatorTest {

  private static final Rule ALL = new Rule(List.of("*"), List.of("*"), List.of("*"), null, null);

  private static boolean allowed(RbacSnapshot snapshot, Request request) {
    return RbacEvaluator.authorize(request, snapshot).allowed();
  }

  private static Request get(String user, List<String> groups, String verb, String namespace,
      String resource) {
    return Request.resource(user, groups, verb, namespace, "", resource, "", "");
  }

  @Test
  void aRoleBindingGrantsOnlyInsideItsNamespace() {
    RbacSnapshot snapshot = new RbacSnapshot(Map.of(), Map.of("admin", List.of(ALL)),
        List.of(new Binding("admin", "ns1", new RoleRef("ClusterRole", "admin"),
            List.of(new Subject("User", "admin", null), new Subject("Group", "admins", null)))));

    assertThat(allowed(snapshot, get("admin", List.of(), "get", "ns1", "Pods"))).isTrue();
    assertThat(allowed(snapshot, get("admin", List.of(), "watch", "ns1", "Pods"))).isTrue();
    assertThat(allowed(snapshot, get("admin", List.of("group1"), "watch", "ns1", "Foobar"))).isTrue();
    assertThat(allowed(snapshot, get("joe", List.of("admins"), "watch", "ns1", "Foobar"))).isTrue();
    assertThat(allowed(snapshot, get("joe", List.of("group1", "admins"), "watch", "ns1", "Foobar")))
        .isTrue();
    assertThat(allowed(snapshot, get("admin", List.of(), "GET", "ns2", "Pods"))).isFalse();
    assertThat(allowed(snapshot, get("admin", List.of(), "GET", "", "Nodes"))).isFalse();
    assertThat(allowed(snapshot, get("admin", List.of("admins"), "GET", "ns2", "Pods"))).isFalse();
    assertThat(allowed(snapshot, get("admin", List.of("admins"), "GET", "", "Nodes"))).isFalse();
  }

  @Test
  void nonResourceUrls() {
    RbacSnapshot snapshot = new RbacSnapshot(Map.of(), Map.of(
        "get-apis", List.of(new Rule(List.of("get"), null, null, null, List.of("/apis"))),
        "all-apis", List.of(new Rule(List.of("*"), null, null, null, List.of("/apis"))),
        "get-prefixed", List.of(new Rule(List.of("get"), null, null, null, List.of("/apis/*")))),
        List.of(
            new Binding("a", "", new RoleRef("ClusterRole", "get-apis"),
                List.of(new Subject("User", "foo", null), new Subject("Group", "bar", null))),
            new Binding("b", "", new RoleRef("ClusterRole", "all-apis"),
                List.of(new Subject("User", "admin", null))),
            new Binding("c", "", new RoleRef("ClusterRole", "get-prefixed"),
                List.of(new Subject("User", "prefixed", null)))));

    assertThat(allowed(snapshot, Request.nonResource("foo", List.of(), "get", "/apis"))).isTrue();
    assertThat(allowed(snapshot, Request.nonResource("x", List.of("bar"), "get", "/apis"))).isTrue();
    assertThat(allowed(snapshot, Request.nonResource("admin", List.of(), "get", "/apis"))).isTrue();
    assertThat(allowed(snapshot, Request.nonResource("admin", List.of(), "watch", "/apis"))).isTrue();
    assertThat(allowed(snapshot, Request.nonResource("prefixed", List.of(), "get", "/apis/v1")))
        .isTrue();
    assertThat(allowed(snapshot, Request.nonResource("prefixed", List.of(), "get",
        "/apis/v1/foobar"))).isTrue();
    assertThat(allowed(snapshot, Request.nonResource("foo", List.of(), "watch", "/apis"))).isFalse();
    assertThat(allowed(snapshot, Request.nonResource("x", List.of("bar"), "watch", "/apis")))
        .isFalse();
    for (String user : List.of("foo", "admin", "prefixed")) {
      assertThat(allowed(snapshot, Request.nonResource(user, List.of(), "get", "/api/v1"))).isFalse();
    }
  }

  @Test
  void subresourcesNeedTheirOwnRules() {
    RbacSnapshot pods = snapshot(new Rule(List.of("*"), List.of("*"), List.of("pods"), null, null));
    RbacSnapshot scale = snapshot(new Rule(List.of("*"), List.of("*"),
        List.of("pods/status", "*/scale"), null, null));

    assertThat(allowed(pods, sub("pods", ""))).isTrue();
    assertThat(allowed(pods, sub("pods", "status"))).isFalse();
    assertThat(allowed(scale, sub("pods", "status"))).isTrue();
    assertThat(allowed(scale, sub("pods", "scale"))).isTrue();
    assertThat(allowed(scale, sub("deployments", "scale"))).isTrue();
    assertThat(allowed(scale, sub("anything", "scale"))).isTrue();
    assertThat(allowed(scale, sub("pods", ""))).isFalse();
  }

  @Test
  void resourceNamesLimitTheRuleAndARequestWithoutNameDoesNotMatch() {
    RbacSnapshot named = snapshot(new Rule(List.of("get"), List.of(""), List.of("configmaps"),
        List.of("settings"), null));

    assertThat(allowed(named, Request.resource("u", List.of(), "get", "ns1", "", "configmaps", "",
        "settings"))).isTrue();
    assertThat(allowed(named, Request.resource("u", List.of(), "get", "ns1", "", "configmaps", "",
        "other"))).isFalse();
    assertThat(allowed(named, Request.resource("u", List.of(), "get", "ns1", "", "configmaps", "",
        ""))).isFalse();
  }

  @Test
  void aMissingRoleIsReportedAndDoesNotBlockOtherBindings() {
    RbacSnapshot snapshot = new RbacSnapshot(Map.of(), Map.of("admin", List.of(ALL)), List.of(
        new Binding("broken", "ns1", new RoleRef("Role", "gone"),
            List.of(new Subject("User", "u", null))),
        new Binding("works", "ns1", new RoleRef("ClusterRole", "admin"),
            List.of(new Subject("User", "u", null)))));

    RbacEvaluator.Decision ok = RbacEvaluator.authorize(sub("pods", ""), snapshot);
    RbacEvaluator.Decision other = RbacEvaluator.authorize(
        Request.resource("v", List.of(), "get", "ns1", "", "pods", "", ""), snapshot);

    assertThat(ok.allowed()).isTrue();
    assertThat(ok.reason()).isEqualTo("RBAC: allowed by RoleBinding \"works/ns1\" of ClusterRole"
        + " \"admin\" to User \"u\"");
    assertThat(other.allowed()).isFalse();
  }

  @Test
  void mlflowIntegrationRoleForAServiceAccount() {
    Rule integration = new Rule(List.of("get", "list", "create", "update", "delete"),
        List.of("mlflow.kubeflow.org"), List.of("experiments", "datasets", "registeredmodels"),
        null, null);
    RbacSnapshot snapshot = new RbacSnapshot(Map.of(),
        Map.of("mlflow-integration", List.of(integration)),
        List.of(new Binding("mlflow-integration-runner", "team-a",
            new RoleRef("ClusterRole", "mlflow-integration"),
            List.of(new Subject("ServiceAccount", "runner", null)))));
    String runner = RbacRules.serviceAccountUser("team-a", "runner");
    List<String> groups = List.of("system:serviceaccounts", "system:serviceaccounts:team-a");

    assertThat(allowed(snapshot, Request.resource(runner, groups, "create", "team-a",
        "mlflow.kubeflow.org", "experiments", "", ""))).isTrue();
    assertThat(allowed(snapshot, Request.resource(runner, groups, "create", "team-b",
        "mlflow.kubeflow.org", "experiments", "", ""))).isFalse();
    assertThat(allowed(snapshot, Request.resource(runner, groups, "create", "team-a",
        "mlflow.kubeflow.org", "gatewayendpoints", "use", ""))).isFalse();
  }

  @Test
  void tenThousandBindingsStillFindTheOneThatMatters() {
    List<Binding> bindings = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      bindings.add(new Binding("b" + i, "ns" + (i % 100), new RoleRef("ClusterRole", "admin"),
          List.of(new Subject("User", "user" + i, null))));
    }
    RbacSnapshot snapshot = new RbacSnapshot(Map.of(), Map.of("admin", List.of(ALL)), bindings);

    assertThat(snapshot.candidates(Request.resource("user4242", List.of(), "get", "ns42", "",
        "pods", "", ""))).hasSize(1);
    assertThat(allowed(snapshot, Request.resource("user4242", List.of(), "get", "ns42", "",
        "pods", "", ""))).isTrue();
    assertThat(allowed(snapshot, Request.resource("user4242", List.of(), "get", "ns43", "",
        "pods", "", ""))).isFalse();
  }

  private static RbacSnapshot snapshot(Rule rule) {
    return new RbacSnapshot(Map.of(), Map.of("role", List.of(rule)), List.of(new Binding("b",
        "ns1", new RoleRef("ClusterRole", "role"), List.of(new Subject("User", "u", null)))));
  }

  private static Request sub(String resource, String subresource) {
    return Request.resource("u", List.of(), "get", "ns1", "", resource, subresource, "");
  }
}
