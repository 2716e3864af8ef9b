package io.opendatahub.mlflow.webhook.cli;

import io.opendatahub.mlflow.webhook.testing.CrudApiServer;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.opendatahub.mlflow.webhook.testing.Eventually;
import io.opendatahub.mlflow.webhook.testing.HttpsClient;
import io.opendatahub.mlflow.webhook.testing.ServiceProcess;
import io.opendatahub.mlflow.webhook.testing.TcpRelay;
import io.opendatahub.mlflow.webhook.testing.TestCertificates;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * #13 finding 10: the service in its own JVM, as deployed (the real logging set-up, stdout and
 * stderr), pointed at an API server address where nothing listens. Every line it writes must be
 * in the service's format: no stack traces from the client's informers or leader election, no
 * java.util.logging lines from the cache, one WARN line per informer per retry.
 */
class UnreachableApiServerLogIT {

  /** What LogConfigurator's text pattern writes at the start of every line. */
  private static final Pattern SERVICE_LINE = Pattern.compile(
      "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}\\S* (TRACE|DEBUG|INFO |WARN |ERROR) \\[.*");
  /** Several informer retries; the old service wrote ~500 lines by then. */
  private static final int RETRIES = 3;

  @TempDir Path dir;

  private Process service;
  private Path log;
  private TestCertificates certs;

  @AfterEach
  void stop() throws Exception {
    if (service != null && service.isAlive()) {
      service.destroyForcibly();
      service.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void anUnreachableApiServerCostsOneLinePerInformerRetryAndNoStackTraces() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    int port = startService("https://127.0.0.1:" + closedPort);
    Vertx vertx = Vertx.vertx();
    try (HttpsClient https = new HttpsClient(vertx, certs.caCert(), port)) {
      // Each needs a TokenReview the API server cannot answer: a failed load in the cache.
      for (int i = 0; i < 3; i++) {
        HttpsClient.await(https.sendWith(HttpMethod.POST, "/authorize", Map.of(
            "Content-Type", "application/json", "Authorization", "Bearer token-" + i),
            REVIEW.getBytes(StandardCharsets.UTF_8)));
      }
    } finally {
      HttpsClient.await(vertx.close());
    }
    List<String> lines = stopAfterRetries();

    assertThat(lines).as("every line in the service's format").allMatch(
        line -> SERVICE_LINE.matcher(line).matches());
    assertThat(lines).as("one line per informer retry, well below the old ~500")
        .hasSizeLessThan(100);
    assertThat(lines).anyMatch(line -> line.contains("WARN ")
        && line.contains("namespace informer: first list failed: ConnectException: Connection"
            + " refused"));
  }

  @Test
  void anApiServerThatGoesAwayAfterTheFirstSyncIsAsQuiet() throws Exception {
    KubernetesMockServer apiServer = CrudApiServer.start();
    // The service reaches the API server through a relay: closing it drops the watches too.
    TcpRelay relay = new TcpRelay(apiServer.getPort());
    try {
      int port = startService("http://127.0.0.1:" + relay.port());
      Vertx vertx = Vertx.vertx();
      try (HttpsClient https = new HttpsClient(vertx, certs.caCert(), port)) {
        Eventually.until(Duration.ofSeconds(30), "/readyz answers 200",
            () -> https.get("/readyz").status(),
            status -> status == 200);
      } finally {
        HttpsClient.await(vertx.close());
      }
    } finally {
      relay.close();
      apiServer.destroy();
    }
    // The informers' watches retry quietly after the first sync; the leader notices first, at
    // its renewals (every 26 s; it stops leading after 107 s): two failed ones are a minute.
    List<String> lines = stopAfter("the leader logs two failed renewals of its Lease",
        Duration.ofSeconds(120), log -> failedRenewals(log) >= 2);

    assertThat(lines).as("every line in the service's format").allMatch(
        line -> SERVICE_LINE.matcher(line).matches());
    assertThat(lines).as("one line per retry").hasSizeLessThan(100);
  }

  /** Starts the service against {@code apiServer} and returns its HTTPS port. */
  private int startService(String apiServer) throws Exception {
    certs = TestCertificates.create(dir.resolve("certs"));
    Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), """
        apiVersion: v1
        kind: Config
        clusters:
        - name: c
          cluster: {server: "%s", insecure-skip-tls-verify: true}
        users:
        - name: u
          user: {token: not-a-real-token}
        contexts:
        - name: c
          context: {cluster: c, user: u}
        current-context: c
        """.formatted(apiServer));
    // Output goes to a file: a pipe read concurrently loses its tail when the process exits.
    log = dir.resolve("service.log");
    ProcessBuilder builder = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve",
        "--port", "0", "--policy", "policies",
        "--tls-cert", certs.tlsCert().toString(), "--tls-key", certs.tlsKey().toString())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().keySet().removeIf(name -> name.startsWith("KUBERNETES_")
        || name.startsWith("LOG_") || name.equals("JAVA_TOOL_OPTIONS"));
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    service = builder.start();
    return ServiceProcess.awaitPort(service, log);
  }

  /**
   * Lets the service run until its namespace informer has logged {@link #RETRIES} retries (any
   * flood of lines comes between them), stops it, reads its log.
   */
  private List<String> stopAfterRetries() throws Exception {
    return stopAfter("the namespace informer retried its list three times",
        Duration.ofSeconds(60), log -> namespaceRetries(log) >= RETRIES);
  }

  /** Lets the service run until its log shows {@code signal}, stops it, reads its log. */
  private List<String> stopAfter(String what, Duration bound, Predicate<String> signal)
      throws Exception {
    try {
      Eventually.until(bound, what, () -> signal.test(readLog()));
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; the service's log:\n"
          + Files.readString(log), e);
    }
    service.destroy();
    assertThat(service.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return Files.readAllLines(log);
  }

  private static long failedRenewals(String log) {
    return log.lines().filter(line -> line.contains("LeaderElector")
        && line.contains("retrying")).count();
  }

  private static long namespaceRetries(String log) {
    return log.lines().filter(line -> line.contains("namespace informer:")
        && line.contains("retrying with backoff")).count();
  }

  private String readLog() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final String REVIEW = """
      {"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview",
       "spec":{"resourceAttributes":{"namespace":"team-a","verb":"get",
       "group":"mlflow.kubeflow.org","resource":"experiments"}}}""";
}
