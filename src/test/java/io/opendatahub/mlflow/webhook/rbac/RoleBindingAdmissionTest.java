package io.opendatahub.mlflow.webhook.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.zjsonpatch.JsonPatch;
import io.opendatahub.mlflow.webhook.admission.AdmissionResponse;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.cli.Handlers;
import io.opendatahub.mlflow.webhook.cluster.StaticNamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** RoleBindings of the integration role, judged by the shipped policy. */
class RoleBindingAdmissionTest {

  private static final String SERVICE = "system:serviceaccount:mlflow-policy-webhook:mlflow-policy-webhook";

  private final Policy policy = TestPolicies.shipped();
  private final DecisionContext context =
      new DecisionContext(policy, StaticNamespaceFacts.fromPolicy(policy));
  private final AdmissionService service = new AdmissionService(Handlers.all());

  private static ObjectNode binding(String roleKind, String role, String subjects) {
    return (ObjectNode) Fixtures.JSON.readTree("{\"apiVersion\":\"rbac.authorization.k8s.io/v1\","
        + "\"kind\":\"RoleBinding\",\"metadata\":{\"name\":\"b\",\"namespace\":\"team-a\"},"
        + "\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"" + roleKind
        + "\",\"name\":\"" + role + "\"},\"subjects\":" + subjects + "}");
  }

  private static String sa(String namespace, String name) {
    return "{\"kind\":\"ServiceAccount\",\"name\":\"" + name + "\""
        + (namespace == null ? "" : ",\"namespace\":\"" + namespace + "\"") + "}";
  }

  private static String group(String name) {
    return "{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"Group\",\"name\":\"" + name + "\"}";
  }

  private static Fixtures.Review review(JsonNode object) {
    return new Fixtures.Review().kind("rbac.authorization.k8s.io", "v1", "RoleBinding")
        .object(object);
  }

  static Stream<Arguments> bindings() {
    return Stream.of(
        Arguments.of("a pipeline ServiceAccount", binding("ClusterRole", "mlflow-integration",
            "[" + sa("team-a", "pipeline-runner") + "]"), List.of()),
        Arguments.of("the deployed role name", binding("ClusterRole",
            "mlflow-operator-mlflow-integration", "[" + sa(null, "pipeline-runner") + "]"), List.of()),
        Arguments.of("every authenticated user", binding("ClusterRole", "mlflow-integration",
            "[" + group("system:authenticated") + "]"), List.of("rolebinding-forbidden-group")),
        Arguments.of("every ServiceAccount", binding("ClusterRole", "mlflow-integration",
            "[" + sa("team-a", "ok") + "," + group("system:serviceaccounts") + "]"),
            List.of("rolebinding-forbidden-group")),
        Arguments.of("anonymous", binding("ClusterRole", "mlflow-integration",
            "[" + group("system:unauthenticated") + "]"), List.of("rolebinding-forbidden-group")),
        Arguments.of("a ServiceAccount of another namespace", binding("ClusterRole",
            "mlflow-integration", "[" + sa("team-b", "runner") + "]"),
            List.of("rolebinding-cross-namespace-sa")),
        Arguments.of("another namespace's ServiceAccount as a user", binding("ClusterRole",
            "mlflow-integration", "[{\"kind\":\"User\",\"name\":\"system:serviceaccount:team-b:x\"}]"),
            List.of("rolebinding-cross-namespace-sa")),
        Arguments.of("a namespaced Role of the same name", binding("Role", "mlflow-integration",
            "[" + sa("team-a", "runner") + "]"), List.of("rolebinding-role-kind")),
        Arguments.of("another role granted widely", binding("ClusterRole", "view",
            "[" + group("system:authenticated") + "]"), List.of()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("bindings")
  void validatesBindingsOfTheIntegrationRole(String name, ObjectNode binding, List<String> rules) {
    AdmissionResponse response = service.validate(review(binding).request(), context);

    assertThat(response.findings()).extracting(f -> f.rule()).containsExactlyElementsOf(rules);
    assertThat(response.allowed()).isEqualTo(rules.isEmpty());
  }

  @Test
  void aDenialSaysWhatTheGroupMeansAndWhatToDoInstead() {
    AdmissionResponse response = service.validate(review(binding("ClusterRole",
        "mlflow-integration", "[" + group("system:authenticated") + "]")).request(), context);

    assertThat(response.message()).isEqualTo("subjects[0].name: group 'system:authenticated'"
        + " would grant mlflow-integration to every authenticated user; bind the ServiceAccounts"
        + " or users that need MLflow instead.");
  }

  @Test
  void managedBindingsChangeOnlyThroughTheService() {
    ObjectNode managed = binding("ClusterRole", "mlflow-integration", "[" + sa("team-a", "r") + "]");
    ((ObjectNode) managed.get("metadata")).putObject("labels")
        .put("app.kubernetes.io/managed-by", "mlflow-policy-webhook");
    ObjectNode edited = managed.deepCopy();
    ((ObjectNode) edited.get("roleRef")).put("name", "mlflow-operator-mlflow-integration");

    AdmissionResponse byUser = service.validate(review(edited).oldObject(managed)
        .operation("UPDATE").request(), context);
    AdmissionResponse deleteByUser = service.validate(review(null).oldObject(managed)
        .operation("DELETE").request(), context);
    AdmissionResponse byService = service.validate(review(edited).oldObject(managed)
        .operation("UPDATE").user(SERVICE).request(), context);

    assertThat(byUser.allowed()).isFalse();
    assertThat(byUser.message()).contains("may not change it")
        .contains("remove its opt-in annotation");
    assertThat(deleteByUser.allowed()).isFalse();
    assertThat(deleteByUser.message()).contains("may not delete it");
    assertThat(byService.allowed()).isTrue();
  }

  @Test
  void aServiceAccountSubjectWithoutNamespaceGetsTheBindingsNamespace() {
    ObjectNode binding = binding("ClusterRole", "view",
        "[" + sa(null, "runner") + "," + group("g") + "," + sa("team-a", "other") + "]");

    AdmissionResponse response = service.mutate(review(binding).request(), context);
    JsonNode patched = JsonPatch.apply(response.patch(), binding);
    AdmissionResponse again = service.mutate(review(patched).request(), context);

    assertThat(response.patch().toString())
        .isEqualTo("[{\"op\":\"add\",\"path\":\"/subjects/0/namespace\",\"value\":\"team-a\"}]");
    assertThat(again.hasPatch()).isFalse();
  }
}
