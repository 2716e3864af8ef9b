package io.opendatahub.mlflow.webhook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.opendatahub.mlflow.webhook.testing.LogCapture;
import io.opendatahub.mlflow.webhook.testing.TestCertificates;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start-up refuses wrong settings before serving anything, with an exit code scripts can read. */
class MainTest {

  @TempDir Path dir;

  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return Main.run(List.of(args), Map.of(), new PrintStream(err, true, StandardCharsets.UTF_8));
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
}
