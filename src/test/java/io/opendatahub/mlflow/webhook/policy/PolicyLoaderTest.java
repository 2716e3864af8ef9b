package io.opendatahub.mlflow.webhook.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyLoaderTest {

  private static final String VALID = """
      apiVersion: policy.mlflow-webhook.io/v1alpha1
      kind: MLflowPolicy
      metadata: {name: test}
      spec:
        environments:
          - name: production
            namespaceSelector:
              matchExpressions:
                - {key: tier, operator: In, values: [prod, critical]}
            namespaces: [payments]
          - name: development
            default: true
        mlflow:
          environments:
            production:
              backendStore: {schemes: [postgresql]}
      """;

  @TempDir Path dir;

  private final PolicyLoader loader = new PolicyLoader();

  @Test
  void theShippedPolicyLoadsAndClassifiesNamespaces() {
    Policy policy = TestPolicies.shipped();

    assertThat(policy.environmentNames()).containsExactly("production", "development");
    assertThat(policy.classify("team-prod", Map.of()).name()).isEqualTo("production");
    assertThat(policy.classify("x", Map.of("mlflow-policy.io/environment", "production")).name())
        .isEqualTo("production");
    assertThat(policy.classify("x", Map.of()).name()).isEqualTo("development");
    assertThat(policy.mlflow().rulesFor("production").backendStore().allows("sqlite")).isFalse();
    assertThat(policy.mlflow().rulesFor("development").backendStore().allows("sqlite")).isTrue();
    assertThat(policy.hash()).hasSize(64);
  }

  @Test
  void readsADirectoryAndIgnoresOtherKindsAndHiddenEntries() throws Exception {
    TestPolicies.write(dir, "policy.yaml", VALID);
    TestPolicies.write(dir, "other.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n");
    TestPolicies.write(dir.resolve("..2026_11_27"), "policy.yaml", "garbage: [");

    Policy policy = loader.load(dir);

    assertThat(policy.name()).isEqualTo("test");
    assertThat(policy.classify("a", Map.of("tier", "critical")).name()).isEqualTo("production");
    assertThat(policy.classify("payments", Map.of()).name()).isEqualTo("production");
    assertThat(policy.classify("a", Map.of("tier", "dev")).name()).isEqualTo("development");
  }

  @Test
  void anUnknownFieldIsReportedWithFileLineAndField() {
    Path file = TestPolicies.write(dir, "policy.yaml",
        VALID.replace("backendStore: {schemes: [postgresql]}", "backendStor: {schemes: [x]}"));

    assertThatThrownBy(() -> loader.load(file))
        .isInstanceOf(PolicyException.class)
        .hasMessageContaining(file + ":16")
        .hasMessageContaining("spec.mlflow.environments.production")
        .hasMessageContaining("unknown field 'backendStor'");
  }

  @Test
  void aWrongValueTypeIsReportedWithTheField() {
    Path file = TestPolicies.write(dir, "policy.yaml",
        VALID.replace("operator: In", "operator: Sometimes"));

    assertThatThrownBy(() -> loader.load(file))
        .hasMessageContaining(file + ":9")
        .hasMessageContaining("spec.environments[0].namespaceSelector.matchExpressions[0]");
  }

  @Test
  void namespaceRelabelWarnsUnlessThePolicySaysOtherwise() throws Exception {
    assertThat(loader.load(TestPolicies.write(dir, "policy.yaml", VALID)).mlflow()
        .namespaceRelabel()).isEqualTo(Action.WARN);

    Path denying = TestPolicies.write(dir, "policy.yaml", VALID.replace("  mlflow:\n",
        "  mlflow:\n    namespaceRelabel: deny\n"));
    assertThat(loader.load(denying).mlflow().namespaceRelabel()).isEqualTo(Action.DENY);
  }

  @Test
  void aNamespaceRelabelActionThatIsNotOneIsReportedWithFileLineAndField() {
    Path file = TestPolicies.write(dir, "policy.yaml", VALID.replace("  mlflow:\n",
        "  mlflow:\n    namespaceRelabel: refuse\n"));

    assertThatThrownBy(() -> loader.load(file))
        .isInstanceOf(PolicyException.class)
        .hasMessageContaining(file + ":14: field spec.mlflow.namespaceRelabel")
        .hasMessageContaining("'refuse' is not an action; use deny, warn, audit or off");
  }

  @Test
  void exactlyOneDefaultEnvironmentIsRequired() {
    Path file = TestPolicies.write(dir, "policy.yaml", VALID.replace("default: true", "default: false"));

    assertThatThrownBy(() -> loader.load(file))
        .hasMessageContaining(file + ":5: field spec.environments: exactly one environment must"
            + " have default: true (found 0)");
  }

  @Test
  void rulesForAnEnvironmentThatDoesNotExistAreAnError() {
    Path file = TestPolicies.write(dir, "policy.yaml", VALID.replace("    production:\n", "    prod:\n"));

    assertThatThrownBy(() -> loader.load(file))
        .hasMessageContaining(":15: field spec.mlflow.environments.prod: no environment named 'prod'");
  }

  @Test
  void invalidYamlIsReportedWithItsLine() {
    Path file = TestPolicies.write(dir, "policy.yaml", VALID + "  broken: [\n");

    assertThatThrownBy(() -> loader.load(file))
        .hasMessageContaining(file.toString())
        .hasMessageContaining("not valid YAML");
  }

  @Test
  void aDirectoryWithoutAPolicyOrWithTwoIsAnError() {
    TestPolicies.write(dir, "a.yaml", "apiVersion: v1\nkind: ConfigMap\n");
    assertThatThrownBy(() -> loader.load(dir)).hasMessageContaining("no document with kind: MLflowPolicy");

    TestPolicies.write(dir, "b.yaml", VALID);
    TestPolicies.write(dir, "c.yaml", VALID);
    assertThatThrownBy(() -> loader.load(dir)).hasMessageContaining("more than one MLflowPolicy");
  }

  @Test
  void aMissingLocationIsAnError() {
    assertThatThrownBy(() -> loader.load(dir.resolve("nope")))
        .hasMessageContaining("no such file or directory");
  }

  @Test
  void aRouteTableInThePolicyLocationExtendsAndOverridesTheBuiltInOne() throws Exception {
    TestPolicies.write(dir, "policy.yaml", VALID);
    TestPolicies.write(dir, "routes.yaml", """
        apiVersion: policy.mlflow-webhook.io/v1alpha1
        kind: MLflowRouteTable
        metadata: {name: site}
        spec:
          routes:
            - {method: POST, path: /api/2.0/site/reindex, requires: [experiments:update]}
            - {method: GET, path: /api/2.0/mlflow/runs/get, requires: [experiments:list]}
        """);

    Policy policy = loader.load(dir);

    int builtIn = TestPolicies.shipped().routes().size();
    assertThat(policy.routes()).hasSize(builtIn + 1);
    assertThat(policy.routes()).filteredOn(r -> r.key().equals("GET /api/2.0/mlflow/runs/get"))
        .singleElement().satisfies(r -> assertThat(r.requires()).extracting(Object::toString)
            .containsExactly("experiments:list"));
    assertThat(policy.routes().get(policy.routes().size() - 1).path())
        .isEqualTo("/api/2.0/site/reindex");
  }

  @Test
  void aBadRouteNamesItsFileLineAndField() {
    TestPolicies.write(dir, "policy.yaml", VALID);
    TestPolicies.write(dir, "routes.yaml", """
        apiVersion: policy.mlflow-webhook.io/v1alpha1
        kind: MLflowRouteTable
        spec:
          routes:
            - {method: GET, path: /ok, public: true}
            - {method: GET, path: /x, requires: [experiments-get]}
        """);

    assertThatThrownBy(() -> loader.load(dir)).isInstanceOf(PolicyException.class)
        .hasMessageContaining("routes.yaml:6: field spec.routes[1]")
        .hasMessageContaining("'experiments-get' is not a check");
  }
}
