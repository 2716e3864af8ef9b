package io.opendatahub.mlflow.webhook.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.admission.AdmissionResponse;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.admission.NamespaceFacts.KnownNamespace;
import io.opendatahub.mlflow.webhook.admission.StaticNamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.node.ObjectNode;

/** The MLflow CR rules of the shipped policy, judged in a cluster with two workspaces. */
class MLflowAdmissionTest {

  private static final String PROD_LABEL = "mlflow-policy.io/environment";

  private final AdmissionService service = new AdmissionService(List.of(new MLflowAdmission()));
  private final Policy policy = TestPolicies.shipped();

  /** The tracking server, one production workspace (by label) and one development workspace. */
  private final DecisionContext cluster = new DecisionContext(policy, new StaticNamespaceFacts(List.of(
      new KnownNamespace("redhat-ods-applications", Map.of()),
      new KnownNamespace("fraud-models", Map.of(PROD_LABEL, "production", "team", "fraud")),
      new KnownNamespace("sandbox", Map.of("team", "data-science")))));

  static Stream<Arguments> cases() {
    return Stream.of(
        // sample, workspace selector (null = all namespaces), allowed, message fragment
        Arguments.of("sqlite-dev.yaml", null, false,
            "spec.backendStoreUri: 'sqlite:////mlflow/mlflow.db' uses scheme sqlite, which"
                + " environment 'production' (set by namespace 'fraud-models') does not allow"),
        Arguments.of("sqlite-dev.yaml", Map.of("team", "fraud"), false, "spec.registryStoreUri"),
        Arguments.of("sqlite-dev.yaml", Map.of("team", "data-science"), true, null),
        Arguments.of("sqlite-no-storage.yaml", null, false, "uses scheme sqlite"),
        Arguments.of("sqlite-no-storage.yaml", Map.of("team", "data-science"), false,
            "spec.storage: spec.backendStoreUri ('sqlite+pysqlite:////mlflow/mlflow.db') and 1"
                + " more location(s) keep data on the pod's filesystem"),
        Arguments.of("remote-storage.yaml", null, true, null),
        Arguments.of("postgres-inline.yaml", null, false,
            "spec.backendStoreUri: 'postgresql://mlflow:***@postgres.mlflow.svc:5432/mlflow'"
                + " carries a password inline"),
        Arguments.of("postgres-inline.yaml", Map.of("team", "data-science"), true, null),
        Arguments.of("no-backend.yaml", null, false,
            "neither backendStoreUri nor backendStoreUriFrom is set, so the operator falls back"
                + " to SQLite"),
        Arguments.of("no-backend.yaml", Map.of("team", "data-science"), false,
            "spec.storage: spec.backendStoreUri (unset: the operator uses"
                + " 'sqlite:////mlflow/mlflow.db') keeps data on the pod's filesystem"));
  }

  @ParameterizedTest(name = "{0} serving {1}: allowed={2}")
  @MethodSource("cases")
  void judgesEachSampleByTheStrictestNamespaceItServes(String sample, Map<String, String> served,
      boolean allowed, String message) {
    ObjectNode cr = Fixtures.mlflow(sample);
    if (served != null) {
      ((ObjectNode) cr.get("spec")).putObject("workspaceLabelSelector").putPOJO("matchLabels", served);
    }

    AdmissionResponse response = service.validate(Fixtures.mlflowReview(cr).request(), cluster);

    assertThat(response.allowed()).isEqualTo(allowed);
    if (!allowed) {
      assertThat(response.code()).isEqualTo(403);
      assertThat(response.message()).contains(message);
    }
  }

  @Test
  void aDenialListsEveryOffendingStoreAndSaysHowToFixIt() {
    AdmissionResponse response = service.validate(
        Fixtures.mlflowReview(Fixtures.mlflow("sqlite-dev.yaml")).request(), cluster);

    assertThat(response.findings()).extracting(f -> f.field())
        .containsExactly("spec.backendStoreUri", "spec.registryStoreUri",
            "spec.artifactsDestination");
    assertThat(response.message())
        .contains("allowed schemes: postgresql, mysql")
        .contains("spec.backendStoreUriFrom");
  }

  @Test
  void theDeploymentNamespaceAloneCanMakeAnInstanceProduction() {
    DecisionContext prodDeployment = new DecisionContext(policy, new StaticNamespaceFacts(List.of(
        new KnownNamespace("redhat-ods-applications", Map.of(PROD_LABEL, "production")))));
    ObjectNode cr = Fixtures.mlflow("sqlite-dev.yaml");
    ((ObjectNode) cr.get("spec")).putObject("workspaceLabelSelector")
        .putPOJO("matchLabels", Map.of("team", "nobody"));

    AdmissionResponse response = service.validate(Fixtures.mlflowReview(cr).request(), prodDeployment);

    assertThat(response.allowed()).isFalse();
    assertThat(response.message()).contains("set by namespace 'redhat-ods-applications'");
  }

  @Test
  void aSelectorTheServiceCannotReadCountsAsServingEverything() {
    ObjectNode cr = Fixtures.mlflow("sqlite-dev.yaml");
    ((ObjectNode) cr.get("spec")).putObject("workspaceLabelSelector")
        .putArray("matchExpressions").addObject().put("key", "team").put("operator", "Bogus");

    AdmissionResponse response = service.validate(Fixtures.mlflowReview(cr).request(), cluster);

    assertThat(response.allowed()).isFalse();
  }

  @Test
  void passwordsInStoreUrisNeverReachTheMessage() {
    ObjectNode cr = Fixtures.mlflow("postgres-inline.yaml");
    ((ObjectNode) cr.get("spec")).put("registryStoreUri", "sqlite+pysqlite:////x.db?password=hunter2");
    ((ObjectNode) cr.get("spec")).put("readReplicaBackendStoreUri",
        "oracle://scott:tiger-secret@db/replica");

    AdmissionResponse response = service.validate(Fixtures.mlflowReview(cr).request(), cluster);

    assertThat(response.allowed()).isFalse();
    assertThat(response.message())
        .contains("oracle://scott:***@db/replica")
        .doesNotContain("tiger-secret")
        .doesNotContain("hunter2");
  }

  @Test
  void deletesAndStatusWritesPassUntouched() {
    ObjectNode cr = Fixtures.mlflow("sqlite-dev.yaml");

    AdmissionResponse delete = service.validate(
        Fixtures.mlflowReview(null).oldObject(cr).operation("DELETE").request(), cluster);
    AdmissionResponse status = service.validate(
        Fixtures.mlflowReview(cr).oldObject(cr).operation("UPDATE").subResource("status")
            .request(), cluster);

    assertThat(delete.allowed()).isTrue();
    assertThat(status.allowed()).isTrue();
  }

  @Test
  void anUpdateIsJudgedLikeACreate() {
    ObjectNode before = Fixtures.mlflow("remote-storage.yaml");
    ObjectNode after = Fixtures.mlflow("sqlite-dev.yaml");

    AdmissionResponse response = service.validate(
        Fixtures.mlflowReview(after).oldObject(before).operation("UPDATE").request(), cluster);

    assertThat(response.allowed()).isFalse();
  }

  @Test
  void kindsTheServiceDoesNotHandleAreAllowedWithoutAPatch() {
    ObjectNode pod = Fixtures.JSON.createObjectNode();
    pod.putObject("metadata").put("name", "p");

    AdmissionResponse validated = service.validate(
        new Fixtures.Review().kind("", "v1", "Pod").object(pod).request(), cluster);
    AdmissionResponse mutated = service.mutate(
        new Fixtures.Review().kind("", "v1", "Pod").object(pod).request(), cluster);

    assertThat(validated.allowed()).isTrue();
    assertThat(mutated.allowed()).isTrue();
    assertThat(mutated.hasPatch()).isFalse();
  }
}
