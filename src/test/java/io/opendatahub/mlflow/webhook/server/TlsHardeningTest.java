package io.opendatahub.mlflow.webhook.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.cli.WebhookApp;
import io.opendatahub.mlflow.webhook.testing.HttpsClient;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import io.vertx.core.Vertx;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What TLS the server agrees to, tried with openssl as a client that offers exactly one thing:
 * on TLS 1.2 only ECDHE key exchange with AEAD ciphers, TLS 1.3 as is, and no client-initiated
 * renegotiation. The server uses the RSA certificate of {@code certs/generate-dev-certs.sh}, so
 * RSA key exchange would be possible if the server allowed it.
 */
class TlsHardeningTest {

  @TempDir static Path dir;

  private static Vertx vertx;
  private static WebhookApp app;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")),
        "openssl is needed to offer suites the JDK's client would not");
    Process certs = new ProcessBuilder("certs/generate-dev-certs.sh", dir.toString())
        .redirectErrorStream(true).start();
    assertThat(certs.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(certs.exitValue()).as(new String(certs.getInputStream().readAllBytes())).isZero();
    vertx = Vertx.vertx();
    app = HttpsClient.await(WebhookApp.start(vertx, new WebhookServer.Settings("127.0.0.1", 0,
            TlsMaterial.read(dir.resolve("tls.crt"), dir.resolve("tls.key")), 1024 * 1024),
        TestPolicies.shipped(), null, new WebhookMetrics()));
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      HttpsClient.await(app.stop());
      HttpsClient.await(vertx.close());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "AES128-SHA",                    // RSA key exchange, CBC with SHA-1
      "AES256-GCM-SHA384",             // RSA key exchange (no forward secrecy), AEAD
      "ECDHE-RSA-AES128-SHA",          // ECDHE, but CBC with SHA-1
      "ECDHE-RSA-AES256-SHA384",       // ECDHE, CBC with SHA-384
      "DHE-RSA-AES128-GCM-SHA256"})    // finite-field DHE
  void tls12RefusesEverySuiteButEcdheWithAead(String suite) throws Exception {
    assertThat(handshake("-tls1_2", "-cipher", suite)).as(suite).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384",
      "ECDHE-RSA-CHACHA20-POLY1305"})
  void tls12AcceptsEcdheWithAead(String suite) throws Exception {
    assertThat(handshake("-tls1_2", "-cipher", suite)).as(suite).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
      "TLS_CHACHA20_POLY1305_SHA256"})
  void tls13KeepsItsStandardSuites(String suite) throws Exception {
    assertThat(handshake("-tls1_3", "-ciphersuites", suite)).as(suite).isTrue();
  }

  @Test
  void aClientInitiatedRenegotiationIsRefused() throws Exception {
    Process process = openssl(List.of("-tls1_2"));
    StringBuilder output = new StringBuilder();
    try (BufferedReader lines = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      OutputStream stdin = process.getOutputStream();
      String line;
      boolean asked = false;
      while ((line = lines.readLine()) != null) {
        output.append(line).append('\n');
        if (!asked && line.startsWith("    Verify return code")) {
          // s_client renegotiates on a line "R"; the request after it rides the new session.
          sendIfRunning(stdin, "R\n");
          asked = true;
        } else if (line.startsWith("RENEGOTIATING")) {
          sendIfRunning(stdin,
              "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        }
      }
    } finally {
      closeIfRunning(process.getOutputStream());
      assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
    }

    assertThat(output).as("the first handshake").contains("Verify return code: 0 (ok)");
    assertThat(output).as("renegotiation asked").contains("RENEGOTIATING");
    assertThat(output).as("no answer over a renegotiated session").doesNotContain("HTTP/1.1 200");
    assertThat(healthz()).as("the server still serves").isTrue();
  }

  /**
   * The server refusing the renegotiation closes the connection, and s_client may exit before
   * its input is written: a broken pipe then is the refusal, not a failure of the test.
   */
  private static void sendIfRunning(OutputStream stdin, String text) {
    try {
      stdin.write(text.getBytes(StandardCharsets.US_ASCII));
      stdin.flush();
    } catch (IOException exited) {
      // s_client has gone; what it printed before is what the assertions read
    }
  }

  private static void closeIfRunning(OutputStream stdin) {
    try {
      stdin.close();
    } catch (IOException exited) {
      // as above
    }
  }

  private static boolean healthz() throws Exception {
    Process process = openssl(List.of());
    process.getOutputStream().write(
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII));
    process.getOutputStream().flush();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    process.getOutputStream().close();
    assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
    return output.contains("HTTP/1.1 200");
  }

  private static boolean handshake(String... options) throws Exception {
    Process process = openssl(List.of(options));
    process.getOutputStream().close();
    assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return output.contains("Verify return code: 0 (ok)") && !output.contains("Cipher is (NONE)");
  }

  private static Process openssl(List<String> options) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of("openssl", "s_client", "-connect",
        "127.0.0.1:" + app.port(), "-servername", "localhost",
        "-CAfile", dir.resolve("ca.crt").toString()));
    command.addAll(options);
    if (options.stream().noneMatch(o -> o.equals("-cipher"))) {
      command.addAll(List.of("-cipher", "DEFAULT@SECLEVEL=0"));
    } else {
      int at = command.indexOf("-cipher") + 1;
      command.set(at, command.get(at) + "@SECLEVEL=0");
    }
    return new ProcessBuilder(command).redirectErrorStream(true).start();
  }
}
