package io.opendatahub.mlflow.webhook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** {@code check} as an admin uses it before rolling out a policy change. */
class CheckCommandTest {

  private static final String DEV_ONLY_POLICY = """
      apiVersion: policy.mlflow-webhook.io/v1alpha1
      kind: MLflowPolicy
      metadata: {name: dev-only}
      spec:
        environments:
          - name: production
            namespaceSelector: {matchLabels: {tier: prod}}
          - name: development
            default: true
        mlflow:
          environments:
            production:
              backendStore: {schemes: [postgresql]}
      """;

  @TempDir Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int check(String... args) {
    return new CheckCommand().run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private static String sample(String name) {
    return "src/test/resources/mlflow/" + name;
  }

  @Test
  void reportsEachObjectWithItsFindingsAndExitsOneWhenAnyIsDenied() {
    int code = check("--policy", "policies", sample("sqlite-dev.yaml"), sample("remote-storage.yaml"));

    assertThat(code).isEqualTo(1);
    assertThat(out())
        .contains("policy 'default' from policies/policy.yaml")
        .contains(sample("sqlite-dev.yaml") + " [1] MLflow/mlflow: DENIED")
        .contains("  deny  metadata-store-scheme    spec.backendStoreUri: 'sqlite:////mlflow/mlflow.db'"
            + " uses scheme sqlite")
        .contains(sample("remote-storage.yaml") + " [1] MLflow/mlflow: ADMITTED\n  no findings")
        .endsWith("2 objects: 1 admitted, 1 denied\n");
  }

  @Test
  void showsThePatchAndJudgesThePatchedObject() {
    Path policy = TestPolicies.write(dir, "p.yaml", DEV_ONLY_POLICY
        + "    defaults: {storage: {size: 3Gi}}\n");

    int code = check("--policy", policy.toString(), sample("sqlite-no-storage.yaml"));

    assertThat(code).isZero();
    assertThat(out()).contains("ADMITTED")
        .contains("/mutate would patch (the verdict above is for the patched object):\n"
            + "    add /spec/storage = {\"resources\":{\"requests\":{\"storage\":\"3Gi\"}}}")
        .doesNotContain("storage-required");
  }

  @Test
  void namespacesGivenOnTheCommandLineDecideTheEnvironment() {
    Path policy = TestPolicies.write(dir, "p.yaml", DEV_ONLY_POLICY);

    int asDevelopment = check("--policy", policy.toString(), sample("sqlite-dev.yaml"));
    int asProduction = check("--policy", policy.toString(), "--namespace", "payments=tier=prod,team=a",
        sample("sqlite-dev.yaml"));

    assertThat(asDevelopment).isZero();
    assertThat(asProduction).isEqualTo(1);
    assertThat(out()).contains("environment 'production' (set by namespace 'payments')");
  }

  @Test
  void jsonOutputCarriesTheSameVerdicts() {
    int code = check("--output", "json", sample("postgres-inline.yaml"));

    JsonNode report = Fixtures.JSON.readTree(out());
    assertThat(code).isEqualTo(1);
    assertThat(report.path("summary").path("denied").asInt()).isEqualTo(1);
    JsonNode result = report.path("results").get(0);
    assertThat(result.path("allowed").asBoolean()).isFalse();
    assertThat(result.path("findings").get(0).path("rule").asString()).isEqualTo("inline-credentials");
    assertThat(out()).doesNotContain("s3cr3t-pa55");
  }

  @Test
  void kindsWithoutRulesAreListedAsNotCheckedAndAdmitted() {
    Path manifest = TestPolicies.write(dir, "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n---\n"
            + "apiVersion: mlflow.opendatahub.io/v1\nkind: MLflow\nmetadata: {name: mlflow}\n"
            + "spec: {backendStoreUriFrom: {name: db, key: uri}, defaultArtifactRoot: 's3://b/'}\n");

    int code = check(manifest.toString());

    assertThat(code).isZero();
    assertThat(out()).contains("[1] ConfigMap/settings: NOT CHECKED")
        .contains("[2] MLflow/mlflow: ADMITTED");
  }

  @Test
  void badInputExitsTwoWithAReason() {
    List<String> reasons = new ArrayList<>();
    List<Integer> codes = new ArrayList<>();
    Path invalid = TestPolicies.write(dir, "bad.yaml", "kind: [unclosed\n");
    Path noKind = TestPolicies.write(dir, "nokind.yaml", "metadata: {name: x}\n");
    for (String[] args : List.of(
        new String[] {},
        new String[] {dir.resolve("absent.yaml").toString()},
        new String[] {invalid.toString()},
        new String[] {noKind.toString()},
        new String[] {"--namespace", "=x=y", sample("sqlite-dev.yaml")},
        new String[] {"--output", "xml", sample("sqlite-dev.yaml")},
        new String[] {"--policy", dir.resolve("nope").toString(), sample("sqlite-dev.yaml")})) {
      err.reset();
      codes.add(check(args));
      reasons.add(err());
    }

    assertThat(codes).containsOnly(2);
    assertThat(reasons.get(0)).contains("no manifest files given");
    assertThat(reasons.get(1)).isEqualTo("mlflow-policy-webhook check: " + dir.resolve("absent.yaml")
        + ": no such file" + System.lineSeparator());
    assertThat(reasons.get(2)).contains("bad.yaml:").contains("not valid YAML");
    assertThat(reasons.get(3)).contains("apiVersion and kind are required");
    assertThat(reasons.get(4)).contains("has no namespace name");
    assertThat(reasons.get(5)).contains("'xml' is not text or json");
    assertThat(reasons.get(6)).contains("no such file or directory");
  }
}
