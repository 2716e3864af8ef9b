package io.opendatahub.mlflow.webhook.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.admission.NamespaceFacts.KnownNamespace;
import io.opendatahub.mlflow.webhook.admission.StaticNamespaceFacts;
import io.opendatahub.mlflow.webhook.audit.AuditResult.Severity;
import io.opendatahub.mlflow.webhook.audit.AuditResult.Status;
import io.opendatahub.mlflow.webhook.cli.Handlers;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The report of one audited object, as the CRDs define it and Kyverno shapes it: one report per
 * object, named by its uid, scoped to and owned by it; results with the wire keys of the schema;
 * bounded in size; unchanged results never make a report differ.
 */
class PolicyReportsTest {

  private static final Instant T1 = Instant.parse("2026-12-02T03:00:00.250Z");
  private static final Instant T2 = Instant.parse("2026-12-02T03:10:00Z");

  private static final AuditedObject MLFLOW = new AuditedObject("MLflow", "mlflow", null,
      "0b7d8c6e-1f2a-4b3c-8d4e-5f6a7b8c9d0e", "7", List.of(
          new AuditResult("mlflow-backend-store", Status.FAIL, Severity.HIGH,
              "spec.backendStoreUri: sqlite is not allowed in production"),
          new AuditResult("mlflow-storage-size", Status.WARN, Severity.MEDIUM, "size")));
  private static final AuditedObject BINDING = new AuditedObject("RoleBinding",
      "mlflow-for-everyone", "team-a", "5f1c2a9e-8d7b-4c3a-9e21-0a1b2c3d4e5f", "3", List.of(
          new AuditResult(Auditor.PASS_RULE, Status.PASS, Severity.INFO, "fine")));

  /** The CRD's schema, with unknown keys refused (the API server would silently drop them). */
  private static Schema crdSchema(String file) {
    ObjectNode crd = Fixtures.yaml("crds/" + file + ".yaml");
    JsonNode schema = crd.path("spec").path("versions").get(0).path("schema")
        .path("openAPIV3Schema").deepCopy();
    closeObjects(schema);
    return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
        .getSchema(schema);
  }

  private static void closeObjects(JsonNode schema) {
    if (schema instanceof ObjectNode node) {
      if (node.has("properties") && !node.has("additionalProperties")
          && !node.has("x-kubernetes-preserve-unknown-fields")) {
        node.put("additionalProperties", false);
      }
      node.forEach(PolicyReportsTest::closeObjects);
    } else if (schema.isArray()) {
      schema.forEach(PolicyReportsTest::closeObjects);
    }
  }

  private static List<String> errors(String crd, JsonNode report) {
    return crdSchema(crd).validate(report).stream().map(Object::toString).toList();
  }

  @ParameterizedTest
  @EnumSource(ReportApi.class)
  void bothKindsOfBothApisMatchTheirCrdSchemaWithNoUnknownKey(ReportApi api) {
    ObjectNode cluster = PolicyReports.build(api, MLFLOW, "default", T1);
    ObjectNode namespaced = PolicyReports.build(api, BINDING, "default", T1);
    String prefix = api.group() + "_";
    String clusterCrd = api == ReportApi.OPENREPORTS ? "openreports.io_clusterreports"
        : "wgpolicyk8s.io_clusterpolicyreports";
    String namespacedCrd = api == ReportApi.OPENREPORTS ? "openreports.io_reports"
        : "wgpolicyk8s.io_policyreports";

    assertThat(errors(clusterCrd, cluster)).as(prefix + "cluster").isEmpty();
    assertThat(errors(namespacedCrd, namespaced)).as(prefix + "namespaced").isEmpty();
    assertThat(cluster.path("apiVersion").asString()).isEqualTo(api.apiVersion());
    assertThat(cluster.path("kind").asString()).isEqualTo(api.clusterKind());
    assertThat(namespaced.path("kind").asString()).isEqualTo(api.namespacedKind());
    assertThat(namespaced.path("source").isMissingNode())
        .as("a report-level source only where the schema has one")
        .isEqualTo(api == ReportApi.WGPOLICY);
  }

  @Test
  void theCheckWouldRefuseAWrongWireKey() {
    ObjectNode report = PolicyReports.build(ReportApi.OPENREPORTS, BINDING, "default", T1);
    ((ObjectNode) report.path("results").get(0)).put("description", "the Go field's name");
    ((ObjectNode) report.path("results").get(0).path("timestamp")).remove("nanos");

    assertThat(errors("openreports.io_reports", report)).hasSize(2);
  }

  @Test
  void oneReportPerObjectNamedByItsUidScopedToAndOwnedByIt() {
    ObjectNode report = PolicyReports.build(ReportApi.WGPOLICY, BINDING, "default", T1);

    JsonNode metadata = report.path("metadata");
    assertThat(metadata.path("name").asString()).isEqualTo(BINDING.uid());
    assertThat(metadata.path("namespace").asString()).isEqualTo("team-a");
    assertThat(metadata.path("labels").path("app.kubernetes.io/managed-by").asString())
        .isEqualTo("mlflow-policy-webhook");
    JsonNode owner = metadata.path("ownerReferences").get(0);
    assertThat(metadata.path("ownerReferences")).hasSize(1);
    assertThat(owner.propertyNames()).containsExactlyInAnyOrder("apiVersion", "kind", "name",
        "uid");
    assertThat(owner.path("apiVersion").asString()).isEqualTo("rbac.authorization.k8s.io/v1");
    assertThat(owner.path("uid").asString()).isEqualTo(BINDING.uid());
    JsonNode scope = report.path("scope");
    assertThat(List.of(scope.path("apiVersion").asString(), scope.path("kind").asString(),
        scope.path("name").asString(), scope.path("namespace").asString(),
        scope.path("uid").asString())).containsExactly("rbac.authorization.k8s.io/v1",
        "RoleBinding", "mlflow-for-everyone", "team-a", BINDING.uid());

    ObjectNode cluster = PolicyReports.build(ReportApi.WGPOLICY, MLFLOW, "default", T1);
    assertThat(cluster.path("metadata").has("namespace")).isFalse();
    assertThat(cluster.path("scope").has("namespace")).isFalse();
    assertThat(cluster.path("scope").path("apiVersion").asString())
        .isEqualTo("mlflow.opendatahub.io/v1");
  }

  @Test
  void resultsNameThePolicyRuleAndSourceWithAProtobufTimestampAndATrueSummary() {
    ObjectNode report = PolicyReports.build(ReportApi.OPENREPORTS, MLFLOW, "strict", T1);

    JsonNode fail = report.path("results").get(0);
    assertThat(fail.path("policy").asString()).isEqualTo("strict");
    assertThat(fail.path("rule").asString()).isEqualTo("mlflow-backend-store");
    assertThat(fail.path("result").asString()).isEqualTo("fail");
    assertThat(fail.path("severity").asString()).isEqualTo("high");
    assertThat(fail.path("source").asString()).isEqualTo("mlflow-policy-webhook");
    assertThat(fail.path("scored").asBoolean()).isTrue();
    assertThat(fail.path("message").asString()).contains("sqlite");
    assertThat(fail.path("timestamp").isObject()).as("{seconds, nanos}, not a string").isTrue();
    assertThat(fail.path("timestamp").path("seconds").asLong()).isEqualTo(T1.getEpochSecond());
    assertThat(fail.path("timestamp").path("nanos").asInt()).isEqualTo(250_000_000);
    assertThat(report.path("source").asString()).isEqualTo("mlflow-policy-webhook");
    assertThat(report.path("summary")).isEqualTo(Fixtures.JSON.readTree(
        "{\"pass\":0,\"fail\":1,\"warn\":1,\"error\":0,\"skip\":0}"));
  }

  @Test
  void aPasswordInAStoreUriNeverReachesTheReport() {
    DecisionContext production = new DecisionContext(TestPolicies.shipped(),
        new StaticNamespaceFacts(List.of(new KnownNamespace("redhat-ods-applications",
            Map.of("mlflow-policy.io/environment", "production")))));
    ObjectNode cr = Fixtures.mlflow("postgres-inline.yaml");
    ((ObjectNode) cr.path("metadata")).put("uid", "u-1");
    AuditedObject audited = new Auditor(new AdmissionService(Handlers.all()))
        .evaluate(cr, production).audited();

    String report = PolicyReports.build(ReportApi.OPENREPORTS, audited, "default", T1)
        .toString();

    assertThat(audited.results()).as("the inline credentials are a finding")
        .anyMatch(r -> r.message().contains("backendStoreUri"));
    assertThat(report).contains("backendStoreUri").doesNotContain("s3cr3t-pa55");
  }

  @Test
  void aReportStaysFarBelowTheApiServersLimitWhateverTheFindings() {
    String hostile = "\u0001".repeat(100_000);
    List<AuditResult> results = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      results.add(new AuditResult("rule-" + i, i < 9_000 ? Status.PASS : Status.FAIL,
          Severity.HIGH, hostile));
    }
    AuditedObject huge = new AuditedObject("RoleBinding", "b", "team-a", "u-2", "1", results);

    ObjectNode report = PolicyReports.build(ReportApi.OPENREPORTS, huge, "default", T1);

    int bytes = report.toString().getBytes(StandardCharsets.UTF_8).length;
    assertThat(bytes).as("serialized size").isLessThan(1024 * 1024);
    assertThat(report.path("results")).hasSize(PolicyReports.MAX_RESULTS);
    assertThat(report.path("results")).as("fails are kept first")
        .allMatch(r -> r.path("result").asString().equals("fail"));
    assertThat(report.path("summary").path("fail").asInt()).isEqualTo(100);
    assertThat(report.path("metadata").path("annotations")
        .path(PolicyReports.OMITTED_ANNOTATION).asString()).isEqualTo("9900");
    assertThat(report.path("results").get(0).path("message").asString())
        .hasSize(PolicyReports.MAX_MESSAGE);
  }

  @Test
  void aCutMessageNeverSplitsACharacter() {
    String emoji = "\uD83D\uDE00";
    String cut = PolicyReports.capped("a".repeat(PolicyReports.MAX_MESSAGE - 4) + emoji.repeat(10));

    assertThat(cut).endsWith("...").hasSizeLessThanOrEqualTo(PolicyReports.MAX_MESSAGE);
    assertThat(Character.isHighSurrogate(cut.charAt(cut.length() - 4))).isFalse();
  }

  private static Map<ReportKey, ObjectNode> desired(Instant now, AuditedObject... objects) {
    return PolicyReports.desired(ReportApi.WGPOLICY, List.of(objects), "default", now);
  }

  /** As the API server gives it back: reparsed (numbers as it reads them), plus its fields. */
  private static Map<ReportKey, JsonNode> stored(Map<ReportKey, ObjectNode> written) {
    Map<ReportKey, JsonNode> stored = new java.util.HashMap<>();
    written.forEach((key, report) -> {
      ObjectNode copy = (ObjectNode) Fixtures.JSON.readTree(report.toString());
      ((ObjectNode) copy.path("metadata")).put("resourceVersion", "11").put("uid", "r-1")
          .putObject("labels").put("app.kubernetes.io/managed-by", "mlflow-policy-webhook")
          .put("someone-else", "added-this");
      stored.put(key, copy);
    });
    return stored;
  }

  @Test
  void anUnchangedAuditLaterWritesNothing() {
    Map<ReportKey, JsonNode> stored = stored(desired(T1, MLFLOW, BINDING));

    ReportPlan plan = ReportPlan.between(desired(T2, MLFLOW, BINDING), stored);

    assertThat(plan.isEmpty()).as(plan.toString()).isTrue();
  }

  @Test
  void aChangedResultUpdatesTheReportKeepingTheTimesOfTheOthers() {
    Map<ReportKey, JsonNode> stored = stored(desired(T1, MLFLOW));
    AuditedObject changed = new AuditedObject("MLflow", "mlflow", null, MLFLOW.uid(), "8",
        List.of(MLFLOW.results().get(0), new AuditResult("mlflow-storage-size", Status.PASS,
            Severity.INFO, "size")));

    ReportPlan plan = ReportPlan.between(desired(T2, changed), stored);

    assertThat(plan.creates()).isEmpty();
    assertThat(plan.deletes()).isEmpty();
    assertThat(plan.updates()).hasSize(1);
    ObjectNode update = plan.updates().get(0);
    assertThat(update.path("metadata").path("resourceVersion").asString()).isEqualTo("11");
    JsonNode results = update.path("results");
    assertThat(results.get(0).path("timestamp").path("seconds").asLong())
        .as("the unchanged fail keeps when it was found").isEqualTo(T1.getEpochSecond());
    assertThat(results.get(1).path("timestamp").path("seconds").asLong())
        .isEqualTo(T2.getEpochSecond());
    assertThat(update.path("summary").path("pass").asInt()).isEqualTo(1);
  }

  @Test
  void aMissingReportIsCreatedAndOneOfAnObjectNoLongerAuditedDeleted() {
    Map<ReportKey, JsonNode> stored = stored(desired(T1, BINDING));

    ReportPlan plan = ReportPlan.between(desired(T2, MLFLOW), stored);

    assertThat(plan.creates()).extracting(ReportKey::of)
        .containsExactly(new ReportKey("ClusterPolicyReport", null, MLFLOW.uid()));
    assertThat(plan.deletes())
        .containsExactly(new ReportKey("PolicyReport", "team-a", BINDING.uid()));
    assertThat(plan.updates()).isEmpty();
  }

  @Test
  void anObjectWithoutAUidGetsNoReport() {
    AuditedObject nameless = new AuditedObject("MLflow", "mlflow", null, "", "1",
        MLFLOW.results());

    assertThat(desired(T1, nameless)).isEmpty();
  }
}
