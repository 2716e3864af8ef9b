package io.opendatahub.mlflow.webhook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/** What an admin meets first: help, a mistyped file name, a broken manifest, offline namespaces. */
class CliUsabilityTest {

  @TempDir Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return Main.run(List.of(args), Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @ParameterizedTest
  @ValueSource(strings = {"--help", "-h"})
  void checkHelpPrintsItsUsageAndExitsZero(String flag) {
    assertThat(run("check", flag)).isZero();

    assertThat(out()).startsWith("usage: java -jar mlflow-policy-webhook.jar check")
        .contains("--namespace").doesNotContain("--tls-cert");
    assertThat(err()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"--help", "-h"})
  void serveHelpPrintsItsUsageAndExitsZero(String flag) {
    assertThat(run("serve", "--port", "8443", flag)).isZero();

    assertThat(out()).startsWith("usage: java -jar mlflow-policy-webhook.jar serve")
        .contains("--tls-cert").contains("WEBHOOK_POLICY");
    assertThat(err()).isEmpty();
  }

  @Test
  void aMissingFileIsNamedAsSuch() {
    Path absent = dir.resolve("mlflow.yaml");

    assertThat(run("check", absent.toString())).isEqualTo(2);
    assertThat(err()).isEqualTo("mlflow-policy-webhook check: " + absent + ": no such file"
        + System.lineSeparator());
  }

  @Test
  void aYamlErrorIsOneLineWithFileAndLine() {
    Path broken = TestPolicies.write(dir, "broken.yaml",
        "apiVersion: mlflow.opendatahub.io/v1\nkind: MLflow\nspec:\n  backendStoreUri: [unclosed\n");
    Path indented = TestPolicies.write(dir, "indented.yaml", "a: 1\n  b: 2\n");

    for (Path file : List.of(broken, indented)) {
      err.reset();
      assertThat(run("check", file.toString())).isEqualTo(2);
      assertThat(err()).startsWith("mlflow-policy-webhook check: " + file + ":")
          .contains(": not valid YAML: ")
          .endsWith(System.lineSeparator());
      assertThat(err().strip().lines()).as(err()).hasSize(1);
    }
    run("check", broken.toString());
    assertThat(err()).contains("broken.yaml:4: not valid YAML: while parsing a flow sequence;"
        + " expected ',' or ']', but got <stream end>");
  }

  @Test
  void withoutNamespacesTheReportSaysWhichItAssumes() {
    assertThat(run("check", "src/test/resources/mlflow/sqlite-dev.yaml")).isEqualTo(1);

    assertThat(out()).contains("namespaces assumed to exist (named in the policy):"
        + " redhat-ods-applications, team-prod; a CR without spec.workspaceLabelSelector serves"
        + " them all. Give --namespace");
  }

  @Test
  void namespacesOnTheCommandLineAreTheWholeCluster() {
    int code = run("check", "--output", "json", "--namespace", "team-a",
        "src/test/resources/mlflow/sqlite-dev.yaml");

    JsonNode report = Fixtures.JSON.readTree(out());
    assertThat(code).as("team-prod, named by the policy, is not assumed to exist").isZero();
    assertThat(report.path("assumedNamespaces").isEmpty()).isTrue();
    assertThat(report.path("results").get(0).path("allowed").asBoolean()).isTrue();
  }
}
