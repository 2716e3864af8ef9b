package io.opendatahub.mlflow.webhook.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.zjsonpatch.JsonPatch;
import io.opendatahub.mlflow.webhook.admission.AdmissionResponse;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.cli.Handlers;
import io.opendatahub.mlflow.webhook.admission.StaticNamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** RoleBindings of the integration role, judged by the shipped policy. */
class RoleBindingAdmissionTest {

  private static final String SERVICE = "system:serviceaccount:mlflow-policy-webhook:mlflow-policy-webhook";

  @TempDir Path dir;

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
            "[" + group("system:authenticated") + "]"), List.of()),
        // #13: rewordings of "everyone" and of "another namespace's ServiceAccounts".
        Arguments.of("everyone who logged in through OpenShift OAuth", binding("ClusterRole",
            "mlflow-integration", "[" + group("system:authenticated:oauth") + "]"),
            List.of("rolebinding-forbidden-group")),
        Arguments.of("everyone authenticated some other way", binding("ClusterRole",
            "mlflow-integration", "[" + group("system:authenticated:x509") + "]"),
            List.of("rolebinding-forbidden-group")),
        Arguments.of("every ServiceAccount of another namespace", binding("ClusterRole",
            "mlflow-integration", "[" + group("system:serviceaccounts:team-b") + "]"),
            List.of("rolebinding-cross-namespace-sa")),
        Arguments.of("the ServiceAccount group of no namespace", binding("ClusterRole",
            "mlflow-integration", "[" + group("system:serviceaccounts:") + "]"),
            List.of("rolebinding-cross-namespace-sa")),
        Arguments.of("every ServiceAccount of its own namespace", binding("ClusterRole",
            "mlflow-integration", "[" + group("system:serviceaccounts:team-a") + "]"), List.of()),
        Arguments.of("another namespace's ServiceAccount with a User's apiGroup",
            binding("ClusterRole", "mlflow-integration", "[{\"apiGroup\":"
                + "\"rbac.authorization.k8s.io\",\"kind\":\"ServiceAccount\",\"name\":\"x\","
                + "\"namespace\":\"team-b\"}]"), List.of("rolebinding-cross-namespace-sa")),
        // Review: the anonymous user is every request of system:unauthenticated.
        Arguments.of("the anonymous user", binding("ClusterRole", "mlflow-integration",
            "[{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"User\","
                + "\"name\":\"system:anonymous\"}]"), List.of("rolebinding-forbidden-group")),
        // Kubernetes compares group names exactly: these are other groups, not "everyone".
        Arguments.of("a differently-cased group", binding("ClusterRole", "mlflow-integration",
            "[" + group("System:Authenticated") + "]"), List.of()),
        Arguments.of("a group with a leading space", binding("ClusterRole", "mlflow-integration",
            "[" + group(" system:authenticated") + "]"), List.of()),
        Arguments.of("OpenShift's cluster readers, an admin-managed group",
            binding("ClusterRole", "mlflow-integration",
                "[" + group("system:cluster-readers") + "]"), List.of()));
  }

  /** #14: a binding the guard cannot read is denied when it may bind the integration role. */
  static Stream<Arguments> unreadableBindings() {
    String everyone = group("system:authenticated");
    return Stream.of(
        Arguments.of("roleRef as a string", raw("\"mlflow-integration\"", "[" + everyone + "]"),
            "roleRef: must be an object"),
        Arguments.of("roleRef as a list", raw("[{\"kind\":\"ClusterRole\",\"name\":"
            + "\"mlflow-integration\"}]", "[" + everyone + "]"), "roleRef: must be an object"),
        Arguments.of("no roleRef", raw(null, "[" + everyone + "]"), "roleRef: must be an object"),
        Arguments.of("roleRef.name as a list", raw("{\"kind\":\"ClusterRole\",\"name\":"
            + "[\"mlflow-integration\"]}", "[" + everyone + "]"), "roleRef.name: must be a string"),
        Arguments.of("roleRef.kind as an object", raw("{\"kind\":{},\"name\":"
            + "\"mlflow-integration\"}", "[]"), "roleRef.kind: must be a string"),
        Arguments.of("subjects as an object", raw(INTEGRATION, everyone),
            "subjects: must be a list of subjects"),
        Arguments.of("a subject as a string", raw(INTEGRATION, "[\"system:authenticated\"]"),
            "subjects[0]: must be an object"),
        Arguments.of("a subject name as a list", raw(INTEGRATION,
            "[{\"kind\":\"Group\",\"name\":[\"system:authenticated\"]}]"),
            "subjects[0].name: must be a string"),
        Arguments.of("a subject namespace as a number", raw(INTEGRATION,
            "[{\"kind\":\"ServiceAccount\",\"name\":\"x\",\"namespace\":7}]"),
            "subjects[0].namespace: must be a string"));
  }

  private static final String INTEGRATION =
      "{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"ClusterRole\","
          + "\"name\":\"mlflow-integration\"}";

  private static ObjectNode raw(String roleRef, String subjects) {
    return (ObjectNode) Fixtures.JSON.readTree("{\"apiVersion\":\"rbac.authorization.k8s.io/v1\","
        + "\"kind\":\"RoleBinding\",\"metadata\":{\"name\":\"b\",\"namespace\":\"team-a\"}"
        + (roleRef == null ? "" : ",\"roleRef\":" + roleRef) + ",\"subjects\":" + subjects + "}");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unreadableBindings")
  void validationDeniesWhatItCannotRead(String name, ObjectNode binding, String message) {
    AdmissionResponse validated = service.validate(review(binding).request(), context);
    AdmissionResponse mutated = service.mutate(review(binding).request(), context);

    assertThat(validated.allowed()).isFalse();
    assertThat(validated.findings()).extracting(f -> f.rule()).contains("rolebinding-unreadable");
    assertThat(validated.message()).startsWith(message);
    assertThat(mutated.allowed()).isTrue();
  }

  @Test
  void subjectsOfAnotherRoleAreNotReadAtAll() {
    ObjectNode binding = raw("{\"kind\":\"ClusterRole\",\"name\":\"view\"}", "{\"odd\":1}");

    assertThat(service.validate(review(binding).request(), context).allowed()).isTrue();
  }

  @Test
  void anotherNamespacesServiceAccountGroupPassesWhenThePolicyAllowsCrossNamespaceGrants() {
    Policy allowing = TestPolicies.shippedWith(dir,
        "crossNamespaceServiceAccounts: deny", "crossNamespaceServiceAccounts: allow");
    DecisionContext lenient = new DecisionContext(allowing, StaticNamespaceFacts.fromPolicy(allowing));

    AdmissionResponse response = service.validate(review(binding("ClusterRole",
        "mlflow-integration", "[" + group("system:serviceaccounts:team-b") + "]")).request(),
        lenient);

    assertThat(response.allowed()).isTrue();
  }

  @Test
  void aDenialSaysWhichNamespacesServiceAccountsTheGroupMeans() {
    AdmissionResponse response = service.validate(review(binding("ClusterRole",
        "mlflow-integration", "[" + group("system:serviceaccounts:team-b") + "]")).request(),
        context);

    assertThat(response.message()).isEqualTo("subjects[0].name: group"
        + " 'system:serviceaccounts:team-b' is every ServiceAccount of namespace team-b, not of"
        + " this binding's (team-a); bind the ServiceAccounts that need MLflow in their own"
        + " namespace, or set spec.roleBindings.crossNamespaceServiceAccounts: allow.");
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

  /**
   * Found by the real API server (e2e/tests/rolebindings.sh): the garbage collector deleting the
   * binding of a deleted ServiceAccount, and the namespace controller emptying a namespace, were
   * refused, leaving orphans or a namespace stuck in Terminating. They may delete, not change.
   */
  @ParameterizedTest
  @ValueSource(strings = {"system:serviceaccount:kube-system:generic-garbage-collector",
      "system:serviceaccount:kube-system:namespace-controller", "system:kube-controller-manager"})
  void theClusterCleanUpControllersMayDeleteAManagedBindingButNotChangeIt(String controller) {
    ObjectNode managed = binding("ClusterRole", "mlflow-integration", "[" + sa("team-a", "r") + "]");
    ((ObjectNode) managed.get("metadata")).putObject("labels")
        .put("app.kubernetes.io/managed-by", "mlflow-policy-webhook");
    ObjectNode edited = managed.deepCopy();
    ((ObjectNode) edited.get("roleRef")).put("name", "mlflow-operator-mlflow-integration");

    AdmissionResponse delete = service.validate(review(null).oldObject(managed)
        .operation("DELETE").user(controller).request(), context);
    AdmissionResponse change = service.validate(review(edited).oldObject(managed)
        .operation("UPDATE").user(controller).request(), context);
    AdmissionResponse create = service.validate(review(managed).operation("CREATE")
        .user(controller).request(), context);

    assertThat(delete.allowed()).as(delete.message()).isTrue();
    assertThat(change.allowed()).isFalse();
    assertThat(create.allowed()).isFalse();
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
