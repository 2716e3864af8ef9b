package io.opendatahub.mlflow.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.HttpsClient;
import io.opendatahub.mlflow.webhook.testing.HttpsClient.Reply;
import io.opendatahub.mlflow.webhook.testing.ServiceProcess;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's quickstart, as a user runs it: the packaged jar, dev certificates from {@code
 * certs/generate-dev-certs.sh}, the shipped policy, no cluster. Runs after {@code package}.
 */
class ServiceJarIT {

  @TempDir Path dir;

  private Process service;
  private Path log;

  @AfterEach
  void stop() throws Exception {
    if (service != null) {
      service.destroy();
      assertThat(service.waitFor(30, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
      assertThat(service.exitValue()).as("exit code after SIGTERM").isZero();
      assertThat(Files.readString(log)).contains("stopping: finishing requests in flight")
          .contains("stopped");
    }
  }

  @Test
  void theQuickstartServesTheShippedPolicyOverHttps() throws Exception {
    assumeTrue(onPath("openssl"), "openssl is needed by certs/generate-dev-certs.sh");
    Path certs = dir.resolve("certs");
    Process generate = new ProcessBuilder("bash", "certs/generate-dev-certs.sh", certs.toString())
        .redirectErrorStream(true).start();
    assertThat(generate.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(generate.exitValue()).isZero();

    // Output goes to a file: a pipe read concurrently loses its tail when the process exits.
    log = dir.resolve("service.log");
    service = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", "target/mlflow-policy-webhook.jar", "serve", "--kube", "none", "--port", "0",
        "--tls-cert", certs.resolve("tls.crt").toString(),
        "--tls-key", certs.resolve("tls.key").toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    int port = ServiceProcess.awaitPort(service, log);

    Vertx vertx = Vertx.vertx();
    try (HttpsClient client = new HttpsClient(vertx, certs.resolve("ca.crt"), port)) {
      Reply ready = client.get("/readyz");
      Reply denied = client.post("/validate",
          Fixtures.mlflowReview(Fixtures.mlflow("sqlite-dev.yaml")).bytes());

      assertThat(ready.status()).isEqualTo(200);
      assertThat(denied.response().path("allowed").asBoolean()).isFalse();
      assertThat(denied.response().path("status").path("message").asString())
          .contains("environment 'production'");
    } finally {
      HttpsClient.await(vertx.close());
    }
  }

  private static boolean onPath(String command) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(dir, command))) {
        return true;
      }
    }
    return false;
  }
}
