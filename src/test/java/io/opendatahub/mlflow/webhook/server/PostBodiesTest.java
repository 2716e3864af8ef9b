package io.opendatahub.mlflow.webhook.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.cli.WebhookApp;
import io.opendatahub.mlflow.webhook.testing.Eventually;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.HttpsClient;
import io.opendatahub.mlflow.webhook.testing.RawTls;
import io.opendatahub.mlflow.webhook.testing.TestCertificates;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemTrustOptions;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a POST body may arrive, written byte for byte over TLS: in chunks, after a 100-continue,
 * over HTTP/2 without a length, empty. Each is received whole up to the limit and no further
 * (issue 19: the POST endpoints receive their bodies without Vert.x Web's body handler).
 */
class PostBodiesTest {

  private static final int LIMIT = 64 * 1024;

  @TempDir static Path dir;

  private static Vertx vertx;
  private static TestCertificates certs;
  private static WebhookApp app;

  @BeforeAll
  static void start() throws Exception {
    certs = TestCertificates.create(dir);
    vertx = Vertx.vertx();
    app = HttpsClient.await(WebhookApp.start(vertx, new WebhookServer.Settings("127.0.0.1", 0,
            TlsMaterial.read(certs.tlsCert(), certs.tlsKey()), LIMIT),
        TestPolicies.shipped(), null, new WebhookMetrics()));
  }

  @AfterAll
  static void stop() {
    HttpsClient.await(app.stop());
    HttpsClient.await(vertx.close());
  }

  private static byte[] review() {
    return Fixtures.mlflowReview(Fixtures.mlflow("remote-storage.yaml")).uid("framed").bytes();
  }

  @Test
  void aChunkedReviewIsReceivedWhole() throws Exception {
    byte[] body = review();
    int third = body.length / 3;

    String answer = exchange("Transfer-Encoding: chunked\r\n", out -> {
      chunk(out, Arrays.copyOfRange(body, 0, third));
      chunk(out, Arrays.copyOfRange(body, third, 2 * third));
      chunk(out, Arrays.copyOfRange(body, 2 * third, body.length));
      out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    });

    assertThat(answer).startsWith("HTTP/1.1 200").contains("\"uid\":\"framed\"")
        .contains("\"allowed\":true");
  }

  /**
   * A body of declared length arrives in one piece (its chunk's array becomes the body) or in
   * several (copied into one array): both are read whole, and both are the same review.
   */
  @Test
  void aDeclaredBodyIsReceivedWholeInOnePieceOrInSeveral() throws Exception {
    byte[] body = review();
    String declared = "Content-Length: " + body.length + "\r\n";

    String once = exchange(declared, out -> out.write(body));
    String pieces = exchange(declared, out -> {
      for (int at = 0; at < body.length; at += 100) {
        out.write(body, at, Math.min(100, body.length - at));
        out.flush();
        Eventually.pace(Duration.ofMillis(5)); // the stimulus: pieces, not one TLS record
      }
    });

    assertThat(once).startsWith("HTTP/1.1 200").contains("\"uid\":\"framed\"")
        .contains("\"allowed\":true");
    assertThat(pieces.substring(pieces.indexOf("\r\n\r\n")))
        .isEqualTo(once.substring(once.indexOf("\r\n\r\n")));
  }

  @Test
  void aChunkedBodyGrowingPastTheLimitGets413() throws Exception {
    byte[] piece = new byte[8 * 1024];
    Arrays.fill(piece, (byte) ' ');

    String answer = exchange("Transfer-Encoding: chunked\r\n", out -> {
      for (int i = 0; i < 9; i++) {
        chunk(out, piece);
      }
      out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    });

    assertThat(answer).startsWith("HTTP/1.1 413")
        .contains("request body is larger than the limit of " + LIMIT + " bytes");
  }

  @Test
  void aChunkedBodyOfExactlyTheLimitIsRead() throws Exception {
    byte[] body = new byte[LIMIT];
    Arrays.fill(body, (byte) ' ');
    byte[] review = review();
    System.arraycopy(review, 0, body, 0, review.length);

    String answer = exchange("Transfer-Encoding: chunked\r\n", out -> {
      chunk(out, body);
      out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    });

    assertThat(answer).startsWith("HTTP/1.1 200").contains("\"uid\":\"framed\"");
  }

  @Test
  void aSenderExpecting100ContinueGetsItThenItsAnswer() throws Exception {
    byte[] body = review();
    try (SSLSocket socket = RawTls.connect(certs.caCert(), app.port())) {
      OutputStream out = socket.getOutputStream();
      out.write(("POST /validate HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
          + "Content-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: "
          + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      byte[] interim = socket.getInputStream().readNBytes(25);
      assertThat(new String(interim, StandardCharsets.US_ASCII))
          .isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
      out.write(body);
      out.flush();

      assertThat(RawTls.readAll(socket)).startsWith("HTTP/1.1 200")
          .contains("\"uid\":\"framed\"");
    }
  }

  @Test
  void emptyBodiesAre400SayingSo() throws Exception {
    String declaredEmpty = exchange("Content-Length: 0\r\n", out -> { });
    String undeclared = exchange("", out -> { });

    assertThat(declaredEmpty).startsWith("HTTP/1.1 400").contains("the body is empty");
    assertThat(undeclared).startsWith("HTTP/1.1 400").contains("the body is empty");
  }

  @Test
  void anHttp2BodyWithoutALengthIsReceivedWhole() {
    HttpClient h2 = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setUseAlpn(true)
        .setProtocolVersion(HttpVersion.HTTP_2)
        .setTrustOptions(new PemTrustOptions().addCertPath(certs.caCert().toString()))
        .setDefaultHost("localhost").setDefaultPort(app.port()));
    byte[] body = review();
    int half = body.length / 2;
    try {
      Future<String> answer = Future.future(promise -> vertx.getOrCreateContext().runOnContext(
          v -> h2.request(HttpMethod.POST, "/mutate")
              .compose(request -> {
                // HTTP/2 "chunked": DATA frames without a content-length header
                request.setChunked(true).putHeader("Content-Type", "application/json");
                request.write(Buffer.buffer(Arrays.copyOfRange(body, 0, half)));
                request.end(Buffer.buffer(Arrays.copyOfRange(body, half, body.length)));
                return request.response();
              })
              .compose(response -> response.body().map(b -> response.version() + " "
                  + response.statusCode() + " " + b))
              .onComplete(promise)));

      assertThat(HttpsClient.await(answer)).startsWith("HTTP_2 200")
          .contains("\"uid\":\"framed\"");
    } finally {
      h2.close();
    }
  }

  private interface Body {
    void write(OutputStream out) throws Exception;
  }

  /** A POST /validate with {@code framing} headers and the body {@code body} writes. */
  private static String exchange(String framing, Body body) throws Exception {
    try (SSLSocket socket = RawTls.connect(certs.caCert(), app.port())) {
      OutputStream out = socket.getOutputStream();
      out.write(("POST /validate HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
          + "Content-Type: application/json\r\n" + framing + "\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      body.write(out);
      out.flush();
      return RawTls.readAll(socket);
    }
  }

  private static void chunk(OutputStream out, byte[] data) throws Exception {
    out.write((Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
    out.write(data);
    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
  }
}
