package io.opendatahub.mlflow.webhook.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.admission.AdmissionRequest;
import io.opendatahub.mlflow.webhook.admission.AdmissionResponse;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.admission.Finding;
import io.opendatahub.mlflow.webhook.admission.MlflowInstances;
import io.opendatahub.mlflow.webhook.admission.NamespaceFacts;
import io.opendatahub.mlflow.webhook.admission.NamespaceFacts.KnownNamespace;
import io.opendatahub.mlflow.webhook.admission.StaticNamespaceFacts;
import io.opendatahub.mlflow.webhook.cli.Handlers;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A Namespace UPDATE whose new labels make an MLflow instance that serves it break its new
 * environment's rules is reported (warn by default, deny when the policy says so), naming the
 * instance and the rule; everything else about Namespaces passes without a word.
 */
class NamespaceRelabelAdmissionTest {

  private static final String ENVIRONMENT = "mlflow-policy.io/environment";
  private static final Map<String, String> PRODUCTION = Map.of(ENVIRONMENT, "production");

  @TempDir Path dir;

  private final Policy shipped = TestPolicies.shipped();
  private final AdmissionService admission = new AdmissionService(Handlers.all());
  /** The cluster as the informer holds it before the update: team-dev is development. */
  private final NamespaceFacts cluster = new StaticNamespaceFacts(List.of(
      new KnownNamespace("redhat-ods-applications", Map.of()),
      new KnownNamespace("team-dev", Map.of("team", "dev")),
      new KnownNamespace("team-other", Map.of())));

  private static ObjectNode namespace(String name, Map<String, String> labels) {
    ObjectNode namespace = Fixtures.JSON.createObjectNode().put("apiVersion", "v1")
        .put("kind", "Namespace");
    ObjectNode metadata = namespace.putObject("metadata").put("name", name);
    ObjectNode labelNode = metadata.putObject("labels")
        .put(StaticNamespaceFacts.NAME_LABEL, name);
    labels.forEach(labelNode::put);
    return namespace;
  }

  private static AdmissionRequest relabel(String name, Map<String, String> before,
      Map<String, String> after) {
    return new Fixtures.Review().kind("", "v1", "Namespace").operation("UPDATE")
        .object(namespace(name, after)).oldObject(namespace(name, before)).request();
  }

  private static Map<String, String> plus(Map<String, String> labels, Map<String, String> more) {
    Map<String, String> all = new LinkedHashMap<>(labels);
    all.putAll(more);
    return all;
  }

  /** The SQLite fixture, serving every namespace (no workspaceLabelSelector), named {@code name}. */
  private static ObjectNode sqlite(String name) {
    ObjectNode cr = Fixtures.mlflow("sqlite-dev.yaml");
    ((ObjectNode) cr.get("metadata")).put("name", name);
    return cr;
  }

  private static ObjectNode postgresql(String name) {
    ObjectNode cr = Fixtures.mlflow("remote-storage.yaml");
    ((ObjectNode) cr.get("metadata")).put("name", name);
    return cr;
  }

  private static ObjectNode selecting(ObjectNode cr, String key, String value) {
    ((ObjectNode) cr.get("spec")).putObject("workspaceLabelSelector").putObject("matchLabels")
        .put(key, value);
    return cr;
  }

  private static MlflowInstances instances(JsonNode... crs) {
    return new MlflowInstances.Fixed(true, List.of(crs));
  }

  private DecisionContext context(Policy policy, MlflowInstances instances) {
    return new DecisionContext(policy, cluster, instances);
  }

  private AdmissionResponse toProduction(Policy policy, MlflowInstances instances) {
    return admission.validate(
        relabel("team-dev", Map.of("team", "dev"), Map.of("team", "dev", ENVIRONMENT,
            "production")), context(policy, instances));
  }

  @Test
  void labellingAServedNamespaceProductionWarnsNamingTheInstanceAndTheRule() {
    AdmissionResponse response = toProduction(shipped, instances(sqlite("mlflow")));

    assertThat(response.allowed()).isTrue();
    assertThat(response.warnings()).isNotEmpty().allSatisfy(warning -> assertThat(warning)
        .startsWith("metadata.labels: MLflow 'mlflow' serves namespace 'team-dev' and, with these"
            + " labels, breaks rule "));
    assertThat(String.join("\n", response.warnings()))
        .contains("breaks rule metadata-store-scheme (fix the CR first, or keep the old labels):"
            + " spec.backendStoreUri: 'sqlite:////mlflow/mlflow.db' uses scheme sqlite")
        .contains("environment 'production' (set by namespace 'team-dev')");
    assertThat(response.findings()).extracting(Finding::rule)
        .containsOnly(NamespaceRelabelAdmission.RULE);
    assertThat(response.findings()).extracting(Finding::outcome).containsOnly("warn");
  }

  @Test
  void withTheDenySettingTheRelabelIsRefusedWithTheSameFindings() {
    Policy denying = TestPolicies.shippedWith(dir, "namespaceRelabel: warn",
        "namespaceRelabel: deny");

    AdmissionResponse response = toProduction(denying, instances(sqlite("mlflow")));

    assertThat(response.allowed()).isFalse();
    assertThat(response.code()).isEqualTo(AdmissionService.DENIED);
    assertThat(response.message())
        .startsWith("metadata.labels: MLflow 'mlflow' serves namespace 'team-dev'")
        .contains("breaks rule metadata-store-scheme")
        .contains("uses scheme sqlite");
    assertThat(response.warnings()).isEmpty();
  }

  @Test
  void withTheAuditSettingTheFindingsGoToAnAuditAnnotationOnly() {
    Policy auditing = TestPolicies.shippedWith(dir, "namespaceRelabel: warn",
        "namespaceRelabel: audit");

    AdmissionResponse response = toProduction(auditing, instances(sqlite("mlflow")));

    assertThat(response.allowed()).isTrue();
    assertThat(response.warnings()).isEmpty();
    assertThat(response.auditAnnotations()).containsOnlyKeys("policy-namespace-relabel");
    assertThat(response.auditAnnotations().get("policy-namespace-relabel"))
        .contains("MLflow 'mlflow'").contains("metadata-store-scheme");
  }

  @Test
  void offSwitchesTheRuleOff() {
    Policy off = TestPolicies.shippedWith(dir, "namespaceRelabel: warn", "namespaceRelabel: off");

    assertThat(toProduction(off, instances(sqlite("mlflow"))).findings()).isEmpty();
  }

  @Test
  void aCompliantInstanceOrALabelNoEnvironmentDependsOnBringsNothing() {
    assertThat(toProduction(shipped, instances(postgresql("mlflow"))).findings()).isEmpty();

    AdmissionResponse unrelated = admission.validate(relabel("team-dev", Map.of("team", "dev"),
        Map.of("team", "dev", "cost-center", "42")), context(shipped, instances(sqlite("mlflow"))));

    assertThat(unrelated.allowed()).isTrue();
    assertThat(unrelated.findings()).isEmpty();
    assertThat(unrelated.warnings()).isEmpty();
  }

  @Test
  void aRelabelTowardsALooserEnvironmentBringsNothing() {
    AdmissionResponse response = admission.validate(relabel("team-dev",
        Map.of("team", "dev", ENVIRONMENT, "production"), Map.of("team", "dev")),
        context(shipped, instances(sqlite("mlflow"))));

    assertThat(response.allowed()).isTrue();
    assertThat(response.findings()).isEmpty();
  }

  @Test
  void whatTheInstanceAlreadyBrokeBeforeTheRelabelIsNotThisUpdatesToReport() {
    NamespaceFacts withProduction = new StaticNamespaceFacts(List.of(
        new KnownNamespace("redhat-ods-applications", Map.of()),
        new KnownNamespace("team-dev", Map.of("team", "dev")),
        new KnownNamespace("payments", PRODUCTION)));

    AdmissionResponse response = admission.validate(relabel("team-dev", Map.of("team", "dev"),
        Map.of("team", "dev", ENVIRONMENT, "production")),
        new DecisionContext(shipped, withProduction, instances(sqlite("mlflow"))));

    assertThat(response.findings()).isEmpty();
  }

  @Test
  void onlyInstancesThatServeTheNamespaceAreNamed() {
    MlflowInstances two = instances(selecting(sqlite("serves-dev"), "team", "dev"),
        selecting(sqlite("serves-ml"), "team", "ml"), postgresql("compliant"));

    AdmissionResponse response = toProduction(shipped, two);

    assertThat(response.warnings()).isNotEmpty()
        .allSatisfy(warning -> assertThat(warning).contains("MLflow 'serves-dev'"));
  }

  @Test
  void everyInstanceThatBreaksTheNewEnvironmentIsNamed() {
    AdmissionResponse response = toProduction(shipped,
        instances(sqlite("second"), postgresql("compliant"), sqlite("first")));

    String warnings = String.join("\n", response.warnings());
    assertThat(warnings).contains("MLflow 'first'").contains("MLflow 'second'")
        .doesNotContain("MLflow 'compliant'");
    // Name order, whatever order the cache lists them in.
    assertThat(warnings.indexOf("MLflow 'first'")).isLessThan(warnings.indexOf("MLflow 'second'"));
  }

  @Test
  void becomingTheServedSetThroughTheSelectorCountsToo() {
    NamespaceFacts productionCluster = new StaticNamespaceFacts(List.of(
        new KnownNamespace("redhat-ods-applications", Map.of()),
        new KnownNamespace("payments", PRODUCTION)));

    AdmissionResponse response = admission.validate(relabel("payments", PRODUCTION,
        plus(PRODUCTION, Map.of("team", "dev"))), new DecisionContext(shipped, productionCluster,
        instances(selecting(sqlite("mlflow"), "team", "dev"))));

    assertThat(response.warnings()).isNotEmpty()
        .allSatisfy(warning -> assertThat(warning).contains("MLflow 'mlflow' serves namespace"
            + " 'payments'"));
  }

  @Test
  void theDeploymentNamespaceSetsTheEnvironmentWhateverTheSelector() {
    AdmissionResponse response = admission.validate(relabel("redhat-ods-applications", Map.of(),
        PRODUCTION), context(shipped, instances(selecting(sqlite("mlflow"), "team", "nobody"))));

    assertThat(response.warnings()).isNotEmpty()
        .allSatisfy(warning -> assertThat(warning).contains("MLflow 'mlflow'"));
  }

  @Test
  void manyInstancesGiveABoundedAnswerThatCountsTheRest() {
    List<JsonNode> crs = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      crs.add(sqlite("mlflow-" + i));
    }

    AdmissionResponse response = toProduction(shipped, instances(crs.toArray(JsonNode[]::new)));

    assertThat(response.warnings()).hasSize(NamespaceRelabelAdmission.MAX_FINDINGS + 1);
    assertThat(response.warnings().get(NamespaceRelabelAdmission.MAX_FINDINGS))
        .matches("metadata.labels: \\d+ more findings of MLflow instances under the new labels"
            + " are not listed; .*");
    int bytes = response.warnings().stream()
        .mapToInt(w -> w.getBytes(StandardCharsets.UTF_8).length).sum();
    assertThat(bytes).as("the API server drops warnings beyond 4096 bytes").isLessThan(4096);
  }

  @Test
  void hugeOrOddLabelsAndNamesAreJudgedWithoutTrouble() {
    String huge = "v".repeat(200_000);
    Map<String, String> odd = new LinkedHashMap<>(Map.of("team", "dev"));
    odd.put("x".repeat(1000), huge);
    odd.put("ünïcödé/\n\"quoted\"", "\u0000\u202e");
    ObjectNode after = namespace("team-dev", odd);
    ((ObjectNode) after.at("/metadata/labels")).put("a-number", 42).putNull("a-null")
        .putObject("an-object");
    AdmissionRequest request = new Fixtures.Review().kind("", "v1", "Namespace")
        .operation("UPDATE").object(after).oldObject(namespace("team-dev", Map.of("team", "dev")))
        .request();

    AdmissionResponse response = admission.validate(request,
        context(shipped, instances(sqlite("mlflow"))));

    assertThat(response.allowed()).isTrue();
    assertThat(response.findings()).isEmpty();

    String longName = "n".repeat(100_000);
    AdmissionResponse named = admission.validate(relabel(longName, Map.of(), PRODUCTION),
        context(shipped, instances(sqlite("mlflow"))));
    assertThat(named.warnings()).isNotEmpty().allSatisfy(warning -> assertThat(warning.length())
        .isLessThanOrEqualTo(NamespaceRelabelAdmission.MAX_MESSAGE + 100));
  }

  @Test
  void aLabelsFieldThatIsNotAMapReadsAsNoLabels() {
    ObjectNode after = namespace("team-dev", Map.of());
    ((ObjectNode) after.get("metadata")).put("labels", "production");

    AdmissionResponse response = admission.validate(new Fixtures.Review()
        .kind("", "v1", "Namespace").operation("UPDATE").object(after)
        .oldObject(namespace("team-dev", Map.of("team", "dev"))).request(),
        context(shipped, instances(sqlite("mlflow"))));

    assertThat(response.allowed()).isTrue();
    assertThat(response.findings()).isEmpty();
  }

  @Test
  void createsDeletesAndStatusWritesOfNamespacesAreNotThisRules() {
    ObjectNode production = namespace("team-new", PRODUCTION);
    DecisionContext context = context(shipped, instances(sqlite("mlflow")));

    assertThat(admission.validate(new Fixtures.Review().kind("", "v1", "Namespace")
        .operation("CREATE").object(production).request(), context).findings()).isEmpty();
    assertThat(admission.validate(new Fixtures.Review().kind("", "v1", "Namespace")
        .operation("DELETE").object(null).oldObject(production).request(), context).findings())
        .isEmpty();
    assertThat(admission.validate(new Fixtures.Review().kind("", "v1", "Namespace")
        .operation("UPDATE").subResource("status").object(production)
        .oldObject(namespace("team-new", Map.of())).request(), context).findings()).isEmpty();
  }

  @Test
  void withoutAClusterThereIsNoInstanceAndNothingToSay() {
    AdmissionResponse response = admission.validate(relabel("team-dev", Map.of(), PRODUCTION),
        new DecisionContext(shipped, StaticNamespaceFacts.fromPolicy(shipped)));

    assertThat(response.allowed()).isTrue();
    assertThat(response.findings()).isEmpty();
  }

  @Test
  void beforeTheInstancesAreKnownARelabelIntoAStricterEnvironmentIsAdmittedUnchecked() {
    MlflowInstances unsynced = new MlflowInstances.Fixed(false, List.of());
    Policy denying = TestPolicies.shippedWith(dir, "namespaceRelabel: warn",
        "namespaceRelabel: deny");

    AdmissionResponse response = toProduction(denying, unsynced);

    assertThat(response.allowed()).isTrue();
    assertThat(response.warnings()).singleElement().asString()
        .contains("these labels put namespace 'team-dev' in environment 'production'")
        .contains("was not checked");
    assertThat(response.findings()).extracting(Finding::rule)
        .containsExactly(NamespaceRelabelAdmission.UNCHECKED_RULE);

    AdmissionResponse unrelated = admission.validate(relabel("team-dev", Map.of("team", "dev"),
        Map.of("team", "ml")), context(denying, unsynced));
    assertThat(unrelated.findings()).isEmpty();
  }
}
