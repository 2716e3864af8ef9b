package io.opendatahub.mlflow.webhook.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.admission.AdmissionRequest;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.admission.Finding;
import io.opendatahub.mlflow.webhook.admission.GroupVersionKind;
import io.opendatahub.mlflow.webhook.admission.NamespaceFacts.KnownNamespace;
import io.opendatahub.mlflow.webhook.admission.Operation;
import io.opendatahub.mlflow.webhook.admission.StaticNamespaceFacts;
import io.opendatahub.mlflow.webhook.audit.AuditResult.Severity;
import io.opendatahub.mlflow.webhook.audit.AuditResult.Status;
import io.opendatahub.mlflow.webhook.cli.Handlers;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/**
 * The audit judges an existing object as admission judges a CREATE of it: the same findings,
 * word for word, mapped to policy-report results; no rules of its own.
 */
class AuditorTest {

  private static final String PROD_LABEL = "mlflow-policy.io/environment";

  private final Policy policy = TestPolicies.shipped();
  private final AdmissionService admission = new AdmissionService(Handlers.all());
  private final Auditor auditor = new Auditor(admission);
  private final DecisionContext production = new DecisionContext(policy,
      new StaticNamespaceFacts(List.of(new KnownNamespace("redhat-ods-applications", Map.of()),
          new KnownNamespace("team-a", Map.of(PROD_LABEL, "production")))));
  private final DecisionContext development = new DecisionContext(policy,
      new StaticNamespaceFacts(List.of(new KnownNamespace("redhat-ods-applications", Map.of()),
          new KnownNamespace("team-a", Map.of()))));

  private static ObjectNode withMetadata(ObjectNode object) {
    ((ObjectNode) object.path("metadata")).put("uid", "u-1").put("resourceVersion", "42");
    return object;
  }

  private static ObjectNode binding(String role, String group, Map<String, String> labels) {
    ObjectNode binding = Fixtures.JSON.createObjectNode();
    binding.put("apiVersion", "rbac.authorization.k8s.io/v1").put("kind", "RoleBinding");
    ObjectNode metadata = binding.putObject("metadata").put("name", "b").put("namespace", "team-a");
    ObjectNode labelNode = metadata.putObject("labels");
    labels.forEach(labelNode::put);
    binding.putObject("roleRef").put("apiGroup", "rbac.authorization.k8s.io")
        .put("kind", "ClusterRole").put("name", role);
    binding.putArray("subjects").addObject().put("apiGroup", "rbac.authorization.k8s.io")
        .put("kind", "Group").put("name", group);
    return binding;
  }

  @Test
  void resultsAreAdmissionsFindingsOfACreateWordForWord() {
    ObjectNode cr = withMetadata(Fixtures.mlflow("sqlite-dev.yaml"));
    AdmissionRequest create = new AdmissionRequest("x", new GroupVersionKind(
        "mlflow.opendatahub.io", "v1", "MLflow"), null, "mlflow", null, Operation.CREATE,
        AdmissionRequest.UserInfo.ANONYMOUS, cr, null, false);
    List<Finding> admitted = admission.simulate(create, production).validation().findings();

    AuditedObject audited = auditor.evaluate(cr, production).audited();

    assertThat(admitted).isNotEmpty();
    assertThat(audited.results()).extracting(AuditResult::rule)
        .containsExactlyElementsOf(admitted.stream().map(Finding::rule).toList());
    assertThat(audited.results()).extracting(AuditResult::message)
        .containsExactlyElementsOf(admitted.stream().map(Finding::describe).toList());
    assertThat(audited.fails()).isTrue();
    assertThat(audited).extracting(AuditedObject::kind, AuditedObject::name,
        AuditedObject::namespace, AuditedObject::uid, AuditedObject::resourceVersion)
        .containsExactly("MLflow", "mlflow", null, "u-1", "42");
  }

  @Test
  void actionsMapToReportResultsAndSeverities() {
    List<AuditResult> results = Auditor.results(List.of(
        new Finding("r-deny", io.opendatahub.mlflow.webhook.policy.Action.DENY, "spec.a", "m1"),
        new Finding("r-warn", io.opendatahub.mlflow.webhook.policy.Action.WARN, "spec.b", "m2"),
        new Finding("r-audit", io.opendatahub.mlflow.webhook.policy.Action.AUDIT, "spec.c", "m3")));
    assertThat(results).containsExactly(
        new AuditResult("r-deny", Status.FAIL, Severity.HIGH, "spec.a: m1"),
        new AuditResult("r-warn", Status.WARN, Severity.MEDIUM, "spec.b: m2"),
        new AuditResult("r-audit", Status.WARN, Severity.LOW, "spec.c: m3"));
  }

  @Test
  void anObjectWithoutFindingsGetsOnePass() {
    AuditedObject audited = auditor.evaluate(
        binding("mlflow-integration", "team-a-readers", Map.of()), production).audited();
    assertThat(audited.results()).singleElement().satisfies(result -> {
      assertThat(result.rule()).isEqualTo(Auditor.PASS_RULE);
      assertThat(result.result()).isEqualTo(Status.PASS);
    });
    assertThat(audited.fails()).isFalse();
  }

  @Test
  void theSameCrFollowsTheEnvironmentOfTheNamespacesItServes() {
    ObjectNode cr = withMetadata(Fixtures.mlflow("sqlite-dev.yaml"));
    assertThat(auditor.evaluate(cr, development).audited().fails()).isFalse();
    assertThat(auditor.evaluate(cr, production).audited().fails()).isTrue();
  }

  @Test
  void inlineCredentialsNeverReachAResult() {
    AuditedObject audited = auditor.evaluate(
        withMetadata(Fixtures.mlflow("postgres-inline.yaml")), production).audited();
    assertThat(audited.results()).isNotEmpty()
        .allSatisfy(r -> assertThat(r.message()).doesNotContain("s3cr3t-pa55"));
    assertThat(audited.results()).anyMatch(r -> r.result() != Status.PASS);
  }

  @Test
  void aManagedBindingIsNotFailedForWhoWroteIt() {
    ObjectNode managed = binding("mlflow-integration", "team-a-readers",
        Map.of("app.kubernetes.io/managed-by", "mlflow-policy-webhook"));
    AuditedObject audited = auditor.evaluate(managed, production).audited();
    assertThat(audited.results()).extracting(AuditResult::rule).containsExactly(Auditor.PASS_RULE);
  }

  @Test
  void bindingsOfOtherRolesAreOutOfScopeAndGuardedOnesIn() {
    assertThat(Auditor.audited(binding("view", "system:authenticated", Map.of()), policy))
        .isFalse();
    assertThat(Auditor.audited(binding("mlflow-integration", "x", Map.of()), policy)).isTrue();
    assertThat(Auditor.audited(binding("view", "x",
        Map.of("app.kubernetes.io/managed-by", "mlflow-policy-webhook")), policy)).isTrue();
    assertThat(Auditor.audited(Fixtures.mlflow("sqlite-dev.yaml"), policy)).isTrue();
  }

  @Test
  void aBindingToEveryoneFailsNamingTheGroup() {
    AuditedObject audited = auditor.evaluate(
        binding("mlflow-integration", "system:authenticated", Map.of()), production).audited();
    assertThat(audited.fails()).isTrue();
    assertThat(audited.namespace()).isEqualTo("team-a");
    assertThat(audited.results()).anyMatch(r -> r.message().contains("system:authenticated"));
  }

  @Test
  void aBindingOfTenThousandBadSubjectsGetsABoundedListOfResults() {
    ObjectNode binding = binding("mlflow-integration", "system:authenticated", Map.of());
    var subjects = (tools.jackson.databind.node.ArrayNode) binding.path("subjects");
    for (int i = 0; i < 10_000; i++) {
      subjects.addObject().put("apiGroup", "rbac.authorization.k8s.io").put("kind", "Group")
          .put("name", i % 2 == 0 ? "system:authenticated" : "system:unauthenticated");
    }

    AuditedObject audited = auditor.evaluate(binding, production).audited();

    assertThat(audited.results()).hasSize(Auditor.MAX_RESULTS);
    assertThat(audited.results().get(0).message()).contains("subjects[0]");
    AuditResult rest = audited.results().get(Auditor.MAX_RESULTS - 1);
    assertThat(rest.rule()).isEqualTo(Auditor.MORE_RULE);
    assertThat(rest.result()).isEqualTo(Status.FAIL);
    assertThat(rest.severity()).isEqualTo(Severity.HIGH);
    assertThat(rest.message()).startsWith("and 99").contains("rolebinding-");
    assertThat(audited.fails()).isTrue();
  }

  @Test
  void aMessageIsCutToABoundedLength() {
    String huge = "x".repeat(100_000);
    List<AuditResult> results = Auditor.results(List.of(new Finding("r-deny",
        io.opendatahub.mlflow.webhook.policy.Action.DENY, "spec.a", huge)));
    assertThat(results).singleElement().satisfies(r -> {
      assertThat(r.message()).hasSize(Auditor.MAX_MESSAGE).startsWith("spec.a: xxx")
          .endsWith("...");
    });
  }
}
