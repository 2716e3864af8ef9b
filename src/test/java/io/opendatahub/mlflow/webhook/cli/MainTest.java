package io.opendatahub.mlflow.webhook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.opendatahub.mlflow.webhook.testing.LogCapture;
import io.opendatahub.mlflow.webhook.testing.TestCertificates;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Start-up refuses wrong settings before serving anything, with an exit code scripts can read. */
class MainTest {

  @TempDir Path dir;

  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return run(Map.of(), args);
  }

  private int run(Map<String, String> env, String... args) {
    return Main.run(List.of(args), env, new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aBadSettingExitsWithUsageCodeAndOneLine() {
    int code = run("serve", "--port", "https");

    assertThat(code).isEqualTo(2);
    assertThat(err()).isEqualTo("mlflow-policy-webhook: --port / WEBHOOK_PORT: 'https' is not a"
        + " port number (0-65535; 0 picks a free port)" + System.lineSeparator());
  }

  @Test
  void anUnknownCommandPrintsUsage() {
    assertThat(run("frobnicate")).isEqualTo(2);
    assertThat(err()).contains("unknown command 'frobnicate'").contains("--tls-cert");
  }

  @Test
  void anInvalidPolicyStopsStartUpNamingFileLineAndField() {
    TestCertificates certs = TestCertificates.create(dir.resolve("certs"));
    Path policy = TestPolicies.write(dir, "policy.yaml",
        "apiVersion: policy.mlflow-webhook.io/v1alpha1\nkind: MLflowPolicy\nspec:\n"
            + "  environments:\n    - name: prod\n      default: true\n      colour: red\n");

    try (LogCapture log = new LogCapture("io.opendatahub.mlflow.webhook", Level.INFO)) {
      int code = run("serve", "--kube", "none", "--port", "0", "--policy", policy.toString(),
          "--tls-cert", certs.tlsCert().toString(), "--tls-key", certs.tlsKey().toString());

      assertThat(code).isEqualTo(1);
      assertThat(log.text()).contains("ERROR cannot start: --policy / WEBHOOK_POLICY: " + policy
          + ":7: field spec.environments[0].colour: unknown field 'colour'");
    }
  }

  @Test
  void missingCertificatesStopStartUp() {
    try (LogCapture log = new LogCapture("io.opendatahub.mlflow.webhook", Level.INFO)) {
      int code = run("serve", "--kube", "none", "--port", "0", "--tls-cert",
          dir.resolve("absent.crt").toString(), "--tls-key", dir.resolve("absent.key").toString());

      assertThat(code).isEqualTo(1);
      assertThat(log.text()).contains("ERROR cannot start: --tls-cert / WEBHOOK_TLS_CERT: "
          + dir.resolve("absent.crt") + " does not exist or is not a file");
    }
  }

  @Test
  void aKeyThatDoesNotMatchTheCertificateStopsStartUp() {
    TestCertificates first = TestCertificates.create(dir.resolve("a"));
    TestCertificates second = TestCertificates.create(dir.resolve("b"));

    try (LogCapture log = new LogCapture("io.opendatahub.mlflow.webhook", Level.INFO)) {
      int code = run("serve", "--kube", "none", "--port", "0",
          "--tls-cert", first.tlsCert().toString(), "--tls-key", second.tlsKey().toString());

      assertThat(code).isEqualTo(1);
      assertThat(log.text()).contains("the TLS key does not match the certificate");
    }
  }

  /** #13: a broken or missing kubeconfig ends start-up with one line, not a stack trace. */
  static Stream<Arguments> brokenKubeconfigs() {
    return Stream.of(
        Arguments.of("truncated YAML", "apiVersion: v1\nusers:\n- name: u\n  user: {token: s3cr3t-t0ken\n",
            "is not valid YAML: line 5, column 1: "),
        Arguments.of("a tab where YAML wants spaces", "apiVersion: v1\nusers:\n\t- token: s3cr3t-t0ken\n",
            "is not valid YAML: line 3, column 1: "),
        Arguments.of("not a mapping", "- s3cr3t-t0ken\n", "is not a kubeconfig"),
        Arguments.of("clusters of the wrong type",
            "apiVersion: v1\nclusters: s3cr3t-t0ken\ncurrent-context: x\n",
            "the Kubernetes client cannot use it (MismatchedInputException at clusters)"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokenKubeconfigs")
  void aBrokenKubeconfigStopsStartUpWithOneLineNamingTheSetting(String name, String content,
      String reason) throws Exception {
    TestCertificates certs = TestCertificates.create(dir.resolve("certs"));
    Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), content);

    try (LogCapture log = new LogCapture(org.slf4j.Logger.ROOT_LOGGER_NAME, Level.INFO)) {
      int code = run(Map.of("KUBECONFIG", kubeconfig.toString()), "serve", "--port", "0",
          "--tls-cert", certs.tlsCert().toString(), "--tls-key", certs.tlsKey().toString());

      assertThat(code).isEqualTo(1);
      assertThat(log.text().lines().filter(l -> l.contains("ERROR"))).singleElement()
          .asString().contains("ERROR cannot start: KUBECONFIG: " + kubeconfig)
          .contains(reason);
      assertThat(log.text()).doesNotContain("s3cr3t");
    }
  }

  @Test
  void aKubeconfigVariableNamingAMissingFileStopsStartUp() {
    TestCertificates certs = TestCertificates.create(dir.resolve("certs"));
    Path missing = dir.resolve("no-such-kubeconfig");

    try (LogCapture log = new LogCapture(org.slf4j.Logger.ROOT_LOGGER_NAME, Level.INFO)) {
      int code = run(Map.of("KUBECONFIG", missing.toString()), "serve", "--port", "0",
          "--tls-cert", certs.tlsCert().toString(), "--tls-key", certs.tlsKey().toString());

      assertThat(code).isEqualTo(1);
      assertThat(log.text()).contains("ERROR cannot start: KUBECONFIG: " + missing
          + " does not exist or cannot be read");
      assertThat(log.text()).doesNotContain("standalone");
    }
  }
}
