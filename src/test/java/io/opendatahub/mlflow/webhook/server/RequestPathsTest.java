package io.opendatahub.mlflow.webhook.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.opendatahub.mlflow.webhook.cli.WebhookApp;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.HttpsClient;
import io.opendatahub.mlflow.webhook.testing.LogCapture;
import io.opendatahub.mlflow.webhook.testing.RawTls;
import io.opendatahub.mlflow.webhook.testing.TestCertificates;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import io.vertx.core.Vertx;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Which request lines reach which endpoint, written byte for byte over TLS. Pinned from what
 * Vert.x Web's router answered before the POST endpoints were served without it (issue 19): the
 * same paths must reach the same endpoints (or none) after.
 */
class RequestPathsTest {

  @TempDir static Path dir;

  private static Vertx vertx;
  private static TestCertificates certs;
  private static WebhookApp app;

  @BeforeAll
  static void start() throws Exception {
    certs = TestCertificates.create(dir);
    vertx = Vertx.vertx();
    app = HttpsClient.await(WebhookApp.start(vertx, new WebhookServer.Settings("127.0.0.1", 0,
            TlsMaterial.read(certs.tlsCert(), certs.tlsKey()), 64 * 1024),
        TestPolicies.shipped(), null, new WebhookMetrics()));
  }

  @AfterAll
  static void stop() {
    HttpsClient.await(app.stop());
    HttpsClient.await(vertx.close());
  }

  /**
   * An admission review sent to each path: 200 where an admission endpoint took it, 400 where an
   * access-review endpoint took it (not an access review), 401/400 for the route check (no
   * token, not a question), 404 where nothing did.
   */
  static Stream<Arguments> paths() {
    return Stream.of(
        Arguments.of("/validate", 200),
        Arguments.of("/mutate", 200),
        Arguments.of("/validate?dryRun=true&timeout=3s", 200),
        Arguments.of("/validate/", 200),
        Arguments.of("//validate", 200),
        Arguments.of("/validate//", 200),
        Arguments.of("/./validate", 200),
        Arguments.of("/x/../validate", 200),
        Arguments.of("/%76alidate", 200),
        Arguments.of("/VALIDATE", 404),
        Arguments.of("/validate;x=1", 404),
        Arguments.of("/validatex", 404),
        Arguments.of("/validate/x", 404),
        Arguments.of("validate", 404),
        Arguments.of("/authorize", 400),
        Arguments.of("/authorize/", 400),
        Arguments.of("/authorize%2Fmlflow", 404),
        Arguments.of("/authorize/mlflow", 400),
        Arguments.of("/authorize/mlflow/", 400),
        Arguments.of("/apis/authorization.k8s.io/v1/subjectaccessreviews", 400),
        Arguments.of("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews/", 400),
        Arguments.of("/apis/authorization.k8s.io/v1/localsubjectaccessreviews", 404));
  }

  @ParameterizedTest(name = "POST {0} -> {1}")
  @MethodSource("paths")
  void aReviewPostedToAPathReachesTheEndpointItReachedBefore(String path, int status)
      throws Exception {
    String answer = exchange("POST", path,
        Fixtures.mlflowReview(Fixtures.mlflow("remote-storage.yaml")).bytes());

    assertThat(statusOf(answer)).as(answer).isEqualTo(status);
    assertThat(answer).containsIgnoringCase("content-type: application/json");
  }

  @Test
  void getOnAPostEndpointIs405NamingMethodAndPath() throws Exception {
    String answer = exchange("GET", "/validate", null);

    assertThat(statusOf(answer)).isEqualTo(405);
    assertThat(answer).contains("\"message\":\"method GET is not allowed on /validate\"");
  }

  @Test
  void putOnAnAccessReviewPathIs405() throws Exception {
    String answer = exchange("PUT", "/authorize/mlflow", "{}".getBytes(StandardCharsets.UTF_8));

    assertThat(statusOf(answer)).isEqualTo(405);
    assertThat(answer).contains("method PUT is not allowed on /authorize/mlflow");
  }

  @Test
  void headOnAPostEndpointIs405WithoutABody() throws Exception {
    String answer = exchange("HEAD", "/validate", null);

    assertThat(statusOf(answer)).isEqualTo(405);
    assertThat(answer.substring(answer.indexOf("\r\n\r\n") + 4)).isEmpty();
  }

  @Test
  void postOnAGetEndpointIs405() throws Exception {
    String answer = exchange("POST", "/readyz", "{}".getBytes(StandardCharsets.UTF_8));

    assertThat(statusOf(answer)).isEqualTo(405);
    assertThat(answer).contains("method POST is not allowed on /readyz");
  }

  /**
   * An endpoint that throws (here: no admission service to ask) answers 500 with a short JSON
   * body, no stack trace, and the failure is logged once with the method and path.
   */
  @Test
  void anEndpointThatThrowsGets500AndIsLoggedOnce() throws Exception {
    WebhookServer broken = new WebhookServer(vertx, new WebhookServer.Settings("127.0.0.1", 0,
            TlsMaterial.read(certs.tlsCert(), certs.tlsKey()), 64 * 1024),
        null, null, null, null, new WebhookMetrics(), new Readiness());
    HttpsClient.await(broken.start());
    try (LogCapture log = new LogCapture("io.opendatahub.mlflow.webhook", Level.ERROR);
        HttpsClient client = new HttpsClient(vertx, certs.caCert(), broken.port())) {
      HttpsClient.Reply reply = client.post("/validate",
          Fixtures.mlflowReview(Fixtures.mlflow("remote-storage.yaml")).bytes());

      assertThat(reply.status()).isEqualTo(500);
      assertThat(reply.body()).isEqualTo("{\"code\":500,\"message\":\"internal error; the"
          + " webhook's log has the details\"}");
      assertThat(log.lines()).hasSize(1);
      assertThat(log.lines().get(0)).startsWith("ERROR unhandled failure on POST /validate");
    } finally {
      HttpsClient.await(broken.stop(Duration.ofSeconds(1)));
    }
  }

  /** One request on its own connection; everything the server sends until it closes. */
  static String exchange(String method, String path, byte[] body) throws Exception {
    try (SSLSocket socket = RawTls.connect(certs.caCert(), app.port())) {
      OutputStream out = socket.getOutputStream();
      String head = method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
          + (body == null ? "" : "Content-Type: application/json\r\nContent-Length: "
              + body.length + "\r\n")
          + "\r\n";
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      if (body != null) {
        out.write(body);
      }
      out.flush();
      return RawTls.readAll(socket);
    }
  }

  static int statusOf(String answer) {
    return Integer.parseInt(answer.substring(9, 12));
  }
}
