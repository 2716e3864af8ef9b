package io.opendatahub.mlflow.webhook.mlflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.opendatahub.mlflow.webhook.admission.AdmissionResponse;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.admission.Finding;
import io.opendatahub.mlflow.webhook.admission.NamespaceFacts.KnownNamespace;
import io.opendatahub.mlflow.webhook.admission.StaticNamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.Action;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.server.WebhookMetrics;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.node.ObjectNode;

/**
 * UPDATE ratcheting: what an instance already had and the update does not worsen is reported,
 * not enforced, so a tightened policy or a namespace that became production never blocks the
 * operator's own patches or the way out; anything the update brings or worsens is judged in full.
 */
class RatchetingTest {

  private static final String FORCE_MIGRATE = "mlflow.opendatahub.io/force-migrate";

  @TempDir Path dir;

  private final AdmissionService service = new AdmissionService(List.of(new MLflowAdmission()));
  private final Policy shipped = TestPolicies.shipped();

  /** The deployment namespace and a workspace that has just been labelled production. */
  private final DecisionContext productionNow = new DecisionContext(shipped,
      new StaticNamespaceFacts(List.of(new KnownNamespace("redhat-ods-applications", Map.of()),
          new KnownNamespace("fraud-models", Map.of("mlflow-policy.io/environment", "production")),
          new KnownNamespace("sandbox", Map.of("team", "data-science")))));

  private AdmissionResponse update(ObjectNode before, ObjectNode after, DecisionContext context) {
    return service.validate(
        Fixtures.mlflowReview(after).oldObject(before).operation("UPDATE").request(), context);
  }

  /** The operator's merge patch: the force-migrate annotation removed, nothing else. */
  private static ObjectNode annotationCleared(ObjectNode before) {
    ObjectNode after = before.deepCopy();
    ((ObjectNode) after.get("metadata")).putObject("annotations");
    return after;
  }

  private static ObjectNode withForceMigrate(ObjectNode cr) {
    ((ObjectNode) cr.get("metadata")).putObject("annotations").put(FORCE_MIGRATE, "true");
    return cr;
  }

  private static ObjectNode edit(ObjectNode cr, Consumer<ObjectNode> change) {
    ObjectNode copy = cr.deepCopy();
    change.accept((ObjectNode) copy.get("spec"));
    return copy;
  }

  @Test
  void theOperatorClearsItsAnnotationOnAnInstanceThatBecameProduction() {
    ObjectNode before = withForceMigrate(Fixtures.mlflow("sqlite-dev.yaml"));
    assertThat(service.validate(Fixtures.mlflowReview(before).request(), productionNow).allowed())
        .as("the same object as a create").isFalse();

    AdmissionResponse response = update(before, annotationCleared(before), productionNow);

    assertThat(response.allowed()).isTrue();
    assertThat(response.findings()).isNotEmpty().allMatch(Finding::ratcheted);
    assertThat(response.warnings()).anySatisfy(warning -> assertThat(warning)
        .startsWith("spec.backendStoreUri: 'sqlite:////mlflow/mlflow.db' uses scheme sqlite")
        .contains("already so before this update"));
    assertThat(response.auditAnnotations()).containsKey("policy-metadata-store-scheme");
  }

  @Test
  void anUpdateAfterThePolicyTightenedIsAdmittedWhenItLeavesTheFindingAlone() {
    Policy tightened = TestPolicies.shippedWith(dir,
        "backendStore: {schemes: [sqlite, postgresql, mysql], inlineCredentials: warn}",
        "backendStore: {schemes: [sqlite, postgresql, mysql], inlineCredentials: warn}\n"
            + "        storage: {minSize: 20Gi}");
    DecisionContext context = new DecisionContext(tightened, new StaticNamespaceFacts(
        List.of(new KnownNamespace("redhat-ods-applications", Map.of()))));
    ObjectNode before = Fixtures.mlflow("sqlite-dev.yaml");
    ObjectNode after = edit(before, spec -> spec.put("replicas", 1).putObject("resources")
        .putObject("requests").put("cpu", "2"));
    ObjectNode resized = edit(before, spec -> ((ObjectNode) spec.path("storage").path("resources")
        .path("requests")).put("storage", "15Gi"));

    AdmissionResponse untouched = update(before, after, context);
    AdmissionResponse changed = update(before, resized, context);

    assertThat(untouched.allowed()).isTrue();
    assertThat(untouched.findings()).extracting(Finding::rule, Finding::ratcheted)
        .containsExactly(tuple("storage-size", true));
    assertThat(changed.allowed()).as("a new value is judged in full, still too small").isFalse();
    assertThat(changed.message()).contains("'15Gi' is below the minimum of 20Gi");
  }

  /** Old objects each with one deny finding of a different rule; the update touches only metadata. */
  static Stream<Arguments> inheritedFindings() {
    return Stream.of(
        Arguments.of("metadata-store-file", (Consumer<ObjectNode>) spec ->
            spec.put("backendStoreUri", "file:///mlflow/mlruns")),
        Arguments.of("inline-credentials", (Consumer<ObjectNode>) spec ->
            spec.put("backendStoreUri", "postgresql://u:pw@db/mlflow")),
        Arguments.of("artifact-scheme", (Consumer<ObjectNode>) spec ->
            spec.put("defaultArtifactRoot", "gs://bucket/runs")),
        Arguments.of("forbidden-env", (Consumer<ObjectNode>) spec -> spec.putArray("env")
            .addObject().put("name", "MLFLOW_SERVER_DISABLE_SECURITY_MIDDLEWARE").put("value", "true")),
        Arguments.of("replicas-shared-volume", (Consumer<ObjectNode>) spec ->
            spec.put("replicas", 3).putObject("storage").putArray("accessModes").add("ReadWriteOnce")),
        Arguments.of("storage-size", (Consumer<ObjectNode>) spec -> spec.putObject("storage")
            .putObject("resources").putObject("requests").put("storage", "1Gi")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("inheritedFindings")
  void everyRuleRatchetsTheSameWay(String rule, Consumer<ObjectNode> breakIt) {
    ObjectNode base = Fixtures.mlflow("remote-storage.yaml");
    ((ObjectNode) base.get("spec")).put("replicas", 1);
    ObjectNode before = withForceMigrate(edit(base, breakIt));
    AdmissionResponse created = service.validate(Fixtures.mlflowReview(before).request(),
        productionNow);
    assertThat(created.findings()).as("the broken object as a create")
        .anyMatch(f -> f.rule().equals(rule) && f.action() == Action.DENY);

    AdmissionResponse response = update(before, annotationCleared(before), productionNow);

    assertThat(response.allowed()).isTrue();
    assertThat(response.findings()).filteredOn(f -> f.rule().equals(rule)).isNotEmpty()
        .allMatch(Finding::ratcheted);
  }

  @Test
  void aDifferentOffendingValueIsANewFinding() {
    ObjectNode before = Fixtures.mlflow("sqlite-dev.yaml");
    ObjectNode moved = edit(before, spec -> spec.put("backendStoreUri", "sqlite:////data/other.db"));

    AdmissionResponse response = update(before, moved, productionNow);

    assertThat(response.allowed()).isFalse();
    assertThat(response.message()).contains("spec.backendStoreUri: 'sqlite:////data/other.db'")
        .doesNotContain("spec.registryStoreUri");
  }

  @Test
  void aNewPasswordBehindTheSameRedactedTextIsANewFinding() {
    ObjectNode before = Fixtures.mlflow("postgres-inline.yaml");
    ObjectNode rotated = edit(before, spec -> spec.put("backendStoreUri",
        "postgresql://mlflow:another-secret@postgres.mlflow.svc:5432/mlflow"));

    AdmissionResponse response = update(before, rotated, productionNow);

    assertThat(response.allowed()).isFalse();
    assertThat(response.message()).contains("carries a password inline")
        .doesNotContain("another-secret").doesNotContain("s3cr3t-pa55");
  }

  @Test
  void anOffenceTheUpdateAddsIsDeniedWhileTheInheritedOnesAreNot() {
    ObjectNode before = Fixtures.mlflow("sqlite-dev.yaml");
    ObjectNode after = edit(before, spec -> spec.putArray("env").addObject()
        .put("name", "MLFLOW_SERVER_ENABLE_JOB_EXECUTION").put("value", "true"));

    AdmissionResponse response = update(before, after, productionNow);

    assertThat(response.allowed()).isFalse();
    assertThat(response.message()).startsWith("spec.env[0].name: MLFLOW_SERVER_ENABLE_JOB_EXECUTION")
        .doesNotContain("uses scheme sqlite");
    assertThat(response.findings()).filteredOn(f -> f.rule().equals("metadata-store-scheme"))
        .allMatch(Finding::ratcheted);
  }

  @Test
  void servingAProductionNamespaceIsAWorseningNotAnInheritance() {
    ObjectNode before = Fixtures.mlflow("sqlite-dev.yaml");
    ((ObjectNode) before.get("spec")).putObject("workspaceLabelSelector")
        .putObject("matchLabels").put("team", "data-science");
    assertThat(update(before, annotationCleared(before), productionNow).allowed())
        .as("serving only the development workspace").isTrue();
    ObjectNode widened = edit(before, spec -> spec.remove("workspaceLabelSelector"));

    AdmissionResponse response = update(before, widened, productionNow);

    assertThat(response.allowed()).isFalse();
    assertThat(response.message()).contains("set by namespace 'fraud-models'");
  }

  @Test
  void aWarningThatAWiderSelectorTurnsIntoADenialIsNotInherited() throws Exception {
    Policy policy = new io.opendatahub.mlflow.webhook.policy.PolicyLoader().load(TestPolicies.write(
        dir, "warn-in-dev.yaml", """
            apiVersion: policy.mlflow-webhook.io/v1alpha1
            kind: MLflowPolicy
            metadata: {name: warn-in-dev}
            spec:
              environments:
                - name: production
                  namespaces: [payments]
                - name: development
                  default: true
              mlflow:
                environments:
                  development: {action: warn}
            """));
    DecisionContext context = new DecisionContext(policy, new StaticNamespaceFacts(List.of(
        new KnownNamespace("payments", Map.of()),
        new KnownNamespace("playground", Map.of("team", "data-science")))));
    ObjectNode before = edit(Fixtures.mlflow("remote-storage.yaml"), spec -> {
      spec.put("replicas", 1).putObject("workspaceLabelSelector").putObject("matchLabels")
          .put("team", "data-science");
      spec.putArray("env").addObject().put("name", "MLFLOW_SERVER_DISABLE_SECURITY_MIDDLEWARE");
    });
    ObjectNode widened = edit(before, spec -> spec.remove("workspaceLabelSelector"));

    AdmissionResponse response = update(before, widened, context);

    assertThat(response.allowed()).isFalse();
    assertThat(response.message()).startsWith("spec.env[0].name:"
        + " MLFLOW_SERVER_DISABLE_SECURITY_MIDDLEWARE must not be set");
  }

  @Test
  void anUpdateCarryingTensOfThousandsOfFindingsIsNotQuadratic() {
    // As many forbidden variables as the decoder reads (250,000 tokens in the whole review,
    // old and new object): 25,000 findings each to match.
    ObjectNode before = Fixtures.mlflow("remote-storage.yaml");
    var env = ((ObjectNode) before.get("spec")).putArray("env");
    for (int i = 0; i < 25_000; i++) {
      env.addObject().put("name", "MLFLOW_SERVER_ENABLE_JOB_EXECUTION");
    }

    // Generous: only a hang (a quadratic match takes minutes) fails it.
    AdmissionResponse response = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
        java.time.Duration.ofSeconds(60), () -> update(before, annotationCleared(before),
            productionNow));

    assertThat(response.allowed()).isTrue();
    // Ten findings per rule are listed, one more counts the rest; all inherited.
    assertThat(response.findings()).hasSize(11).allMatch(Finding::ratcheted);
    assertThat(response.warnings()).hasSize(11).last().asString()
        .contains("24990 more forbidden-env findings are not listed");
  }

  /** Beyond the ten listed findings of a rule only their count is compared: one more worsens. */
  @Test
  void oneMoreOffenceThanTheListShowsIsAWorsening() {
    ObjectNode before = Fixtures.mlflow("remote-storage.yaml");
    var env = ((ObjectNode) before.get("spec")).putArray("env");
    for (int i = 0; i < 15; i++) {
      env.addObject().put("name", "MLFLOW_SERVER_ENABLE_JOB_EXECUTION");
    }
    ObjectNode after = edit(before, spec -> ((tools.jackson.databind.node.ArrayNode)
        spec.get("env")).addObject().put("name", "MLFLOW_SERVER_ENABLE_JOB_EXECUTION"));

    assertThat(update(before, annotationCleared(before), productionNow).allowed()).isTrue();
    AdmissionResponse response = update(before, after, productionNow);

    assertThat(response.allowed()).isFalse();
    assertThat(response.message()).contains("6 more forbidden-env findings are not listed");
  }

  @Test
  void ratchetedFindingsAreCountedApart() {
    WebhookMetrics metrics = new WebhookMetrics();
    Finding finding = new Finding("metadata-store-scheme", Action.DENY, "spec.backendStoreUri", "x");

    metrics.findings(List.of(finding.ratchet(), finding));

    assertThat(metrics.scrape())
        .contains("mlflow_webhook_policy_findings_total{action=\"ratcheted\","
            + "rule=\"metadata-store-scheme\"} 1.0")
        .contains("mlflow_webhook_policy_findings_total{action=\"deny\","
            + "rule=\"metadata-store-scheme\"} 1.0");
  }
}
