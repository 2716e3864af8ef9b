package io.opendatahub.mlflow.webhook.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.admission.AdmissionReviewCodec;
import io.opendatahub.mlflow.webhook.cli.WebhookApp;
import io.opendatahub.mlflow.webhook.testing.Eventually;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.HttpsClient;
import io.opendatahub.mlflow.webhook.testing.HttpsClient.Reply;
import io.opendatahub.mlflow.webhook.testing.RawTls;
import io.opendatahub.mlflow.webhook.testing.TestCertificates;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, findings 1 and 8, over real TLS: maximum-size reviews of the costliest shape, sent
 * at once, each get a well-formed 4xx while normal reviews keep being answered; bodies beyond
 * the memory budget get 503 and the budget comes back when their senders go; a sender trickling
 * bytes is cut off at the request deadline, however steady its pace.
 */
class SlowAndLargeRequestsTest {

  private static final long BODY_LIMIT = 2 * 1024 * 1024;
  /**
   * Room for two maximum bodies, each charged twice, among the large ones (a quarter is kept for
   * small ones).
   */
  private static final long IN_FLIGHT = 12 * 1024 * 1024;
  private static final Duration DEADLINE = Duration.ofSeconds(1);

  @TempDir static Path dir;

  private static Vertx vertx;
  private static TestCertificates certs;
  /** Deadline 1 s, for the slow senders. */
  private static WebhookApp quick;
  /** Deadline 60 s, so that held bodies stay until their senders close. */
  private static WebhookApp patient;

  @BeforeAll
  static void start() throws Exception {
    certs = TestCertificates.create(dir);
    vertx = Vertx.vertx();
    quick = start(DEADLINE);
    patient = start(Duration.ofSeconds(60));
  }

  private static WebhookApp start(Duration deadline) throws Exception {
    return HttpsClient.await(WebhookApp.start(vertx, new WebhookServer.Settings("127.0.0.1", 0,
            TlsMaterial.read(certs.tlsCert(), certs.tlsKey()), BODY_LIMIT,
            Duration.ofSeconds(30), deadline, IN_FLIGHT),
        TestPolicies.shipped(), null, new WebhookMetrics()));
  }

  @AfterAll
  static void stop() {
    HttpsClient.await(quick.stop());
    HttpsClient.await(patient.stop());
    HttpsClient.await(vertx.close());
  }

  /** An MLflow review of {@code size} bytes whose spec is a list of tiny objects. */
  static byte[] tinyObjects(long size) {
    String head = "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
        + "\"request\":{\"uid\":\"hostile\",\"kind\":{\"group\":\"mlflow.opendatahub.io\","
        + "\"version\":\"v1\",\"kind\":\"MLflow\"},\"name\":\"mlflow\",\"operation\":\"CREATE\","
        + "\"userInfo\":{\"username\":\"mallory\"},\"object\":{\"apiVersion\":"
        + "\"mlflow.opendatahub.io/v1\",\"kind\":\"MLflow\",\"metadata\":{\"name\":\"mlflow\"},"
        + "\"spec\":{\"tolerations\":[";
    String tail = "{\"k\":1}]}}}}";
    int count = (int) ((size - head.length() - tail.length()) / 8);
    return (head + "{\"k\":1},".repeat(count) + tail).getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void maximumSizeReviewsOfTinyObjectsAtOnceGetWellFormedRefusalsAndOthersAreServed() {
    byte[] hostile = tinyObjects(BODY_LIMIT - 64);
    assertThat(hostile.length).isLessThanOrEqualTo((int) BODY_LIMIT);
    HttpClient many = vertx.createHttpClient(new HttpClientOptions().setSsl(true)
            .setTrustOptions(new PemTrustOptions().addCertPath(certs.caCert().toString()))
            .setDefaultHost("localhost").setDefaultPort(patient.port()),
        new PoolOptions().setHttp1MaxSize(16));
    List<Future<Reply>> flood = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      flood.add(post(many, "/validate", hostile));
    }
    Reply normal = HttpsClient.await(post(many, "/validate",
        Fixtures.mlflowReview(Fixtures.mlflow("remote-storage.yaml")).bytes()));
    List<Reply> replies = HttpsClient.await(Future.all(flood)).list();
    many.close();

    assertThat(normal.status()).as("a normal review during the flood").isEqualTo(200);
    assertThat(normal.response().path("allowed").asBoolean()).isTrue();
    for (Reply reply : replies) {
      assertThat(reply.status()).as(reply.body()).isIn(413, 503);
      String message = reply.json().path("message").asString();
      assertThat(message).as("a message naming what is wrong").isNotBlank();
      if (reply.status() == 413) {
        assertThat(message).contains("Token count").contains(
            String.valueOf(AdmissionReviewCodec.MAX_TOKENS));
      } else {
        assertThat(message).contains("retry");
      }
    }
    assertThat(replies).extracting(Reply::status).as("the decoder's limit answered some")
        .contains(413);
  }

  @Test
  void bodiesBeyondTheBudgetGet503AndTheBudgetReturnsWhenTheirSendersGo() throws Exception {
    try (HttpsClient client = new HttpsClient(vertx, certs.caCert(), patient.port(), false)) {
      byte[] large = tinyObjects(BODY_LIMIT - 64);
      // Two senders declare maximum bodies and stall: they hold the large bodies' share.
      List<SSLSocket> holders =
          stallingSenders("Content-Length: " + BODY_LIMIT + "\r\n\r\n{", 2);
      try {
        Reply refused = untilStatus(client, large, 503);

        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.json().path("message").asString())
            .contains("as many request bodies as its memory allows").contains("retry");
        Reply small = client.post("/validate",
            Fixtures.mlflowReview(Fixtures.mlflow("remote-storage.yaml")).bytes());
        assertThat(small.status()).as("small reviews keep their share").isEqualTo(200);
      } finally {
        for (SSLSocket socket : holders) {
          socket.close();
        }
      }
      Reply afterwards = untilStatus(client, large, 413);
      assertThat(afterwards.status()).as("the budget came back").isEqualTo(413);
    }
  }

  @Test
  void aLargeBodyWaitingForTheLargeReviewPoolStaysChargedWhenItsSenderHangsUp() throws Exception {
    // The test's Vert.x is the apps' own: this is their pool of large reviews. Hold both threads.
    io.vertx.core.WorkerExecutor pool = vertx.createSharedWorkerExecutor("large-admission-reviews",
        WebhookServer.LARGE_REVIEW_THREADS);
    java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
    for (int i = 0; i < WebhookServer.LARGE_REVIEW_THREADS; i++) {
      pool.executeBlocking(() -> held.await(60, TimeUnit.SECONDS), false);
    }
    byte[] large = tinyObjects(BODY_LIMIT * 9 / 10);
    try (HttpsClient client = new HttpsClient(vertx, certs.caCert(), patient.port(), false)) {
      // Two senders deliver whole large bodies, which wait for the pool, and hang up.
      for (int i = 0; i < 2; i++) {
        int sender;
        try (SSLSocket socket = RawTls.connect(certs.caCert(), patient.port())) {
          OutputStream out = socket.getOutputStream();
          out.write(("POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type:"
              + " application/json\r\nContent-Length: " + large.length + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
          out.write(large);
          out.flush();
          // The hang-up comes once the server has read every byte of the body.
          awaitKernel(socket.getLocalPort(), KernelQueues::serverHasReadAll);
          sender = socket.getLocalPort();
        }
        // The server has handled the hang-up once it has closed its end of the connection.
        awaitKernel(sender, KernelQueues::serverHasClosed);
      }

      // Their bodies are still held in the pool's queue: a third does not fit.
      Reply third = HttpsClient.await(client.send(HttpMethod.POST, "/validate",
          "application/json", large));

      assertThat(third.status()).as("bodies queued for the pool still count").isEqualTo(503);
    } finally {
      held.countDown();
      pool.close();
    }
  }

  @Test
  void chunkedBodiesWithoutALengthAreChargedAtTheLimit() throws Exception {
    try (HttpsClient client = new HttpsClient(vertx, certs.caCert(), patient.port(), false)) {
      byte[] large = tinyObjects(BODY_LIMIT - 64);
      // Bodies of an earlier test may still be held: start when a maximum body fits.
      assertThat(untilStatus(client, large, 413).status()).isEqualTo(413);
      // Two chunked senders declare nothing and stall after one small chunk.
      List<SSLSocket> holders =
          stallingSenders("Transfer-Encoding: chunked\r\n\r\n1\r\n{\r\n", 2);
      try {
        Reply refused = untilStatus(client, large, 503);

        assertThat(refused.status()).as("each counted as a maximum body").isEqualTo(503);
      } finally {
        for (SSLSocket socket : holders) {
          socket.close();
        }
      }
    }
  }

  /** One HTTP/2 connection to the patient server (ALPN), for many streams at once. */
  private static HttpClient http2() {
    return http2(patient.port());
  }

  private static HttpClient http2(int port) {
    return vertx.createHttpClient(new HttpClientOptions().setSsl(true).setUseAlpn(true)
        .setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2)
        .setTrustOptions(new PemTrustOptions().addCertPath(certs.caCert().toString()))
        .setDefaultHost("localhost").setDefaultPort(port));
  }

  @Test
  void anHttp2StreamThatStallsMidBodyIsCancelledAtTheDeadline() {
    HttpClient h2 = http2(quick.port());
    try {
      Future<String> outcome = Future.future(promise -> vertx.getOrCreateContext().runOnContext(
          v -> h2.request(HttpMethod.POST, "/validate")
              .compose(request -> {
                request.putHeader("Content-Type", "application/json")
                    .putHeader("Content-Length", String.valueOf(BODY_LIMIT));
                request.write(Buffer.buffer("{"));
                return request.response();
              })
              .map(response -> "answered " + response.statusCode())
              .recover(failure -> Future.succeededFuture("failed: " + failure))
              .onComplete(promise)));

      // Within the client's 20 s bound: the 1 s deadline, not the 30 s idle timeout.
      assertThat(HttpsClient.await(outcome)).contains("Stream reset");
    } finally {
      h2.close();
    }
  }

  @Test
  void http2StreamsResetMidBodyGiveTheirChargeBack() throws Exception {
    HttpClient h2 = http2();
    try {
      // Many streams on one connection each declare a maximum body, send a byte and are reset.
      for (int round = 0; round < 5; round++) {
        List<Future<Void>> resets = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
          resets.add(Future.future(promise -> vertx.getOrCreateContext().runOnContext(v -> h2
              .request(HttpMethod.POST, "/validate")
              .onSuccess(request -> {
                request.putHeader("Content-Type", "application/json")
                    .putHeader("Content-Length", String.valueOf(BODY_LIMIT));
                request.write(Buffer.buffer("{")).onComplete(written -> {
                  vertx.setTimer(50, t -> request.reset().onComplete(r -> promise.complete()));
                });
              })
              .onFailure(promise::fail))));
        }
        HttpsClient.await(Future.join(resets));
      }
    } finally {
      h2.close();
    }
    try (HttpsClient client = new HttpsClient(vertx, certs.caCert(), patient.port(), false)) {
      Reply afterwards = untilStatus(client, tinyObjects(BODY_LIMIT - 64), 413);
      assertThat(afterwards.status()).as("the reset streams' charges came back").isEqualTo(413);
    }
  }

  @Test
  void anHttp2BodyLongerThanItsDeclaredLengthIsNotReadPastIt() {
    HttpClient h2 = http2();
    byte[] large = tinyObjects(BODY_LIMIT - 64);
    try {
      Future<String> outcome = Future.future(promise -> vertx.getOrCreateContext().runOnContext(
          v -> h2.request(HttpMethod.POST, "/validate")
              .compose(request -> {
                request.putHeader("Content-Type", "application/json")
                    .putHeader("Content-Length", "100");
                request.write(Buffer.buffer(large));
                request.end();
                return request.response();
              })
              .compose(response -> response.body().map(b -> response.statusCode() + " " + b))
              .recover(failure -> Future.succeededFuture("failed: " + failure))
              .onComplete(promise)));
      String answer = HttpsClient.await(outcome);

      // Netty checks DATA frames against content-length: the stream is reset (PROTOCOL_ERROR),
      // so a body cannot be charged as 100 bytes and arrive as 2 MiB.
      assertThat(answer).as("the body past its declared 100 bytes was never decoded")
          .startsWith("failed: ").contains("Stream reset");
    } finally {
      h2.close();
    }
  }

  /** Whether the server answered within 300 ms (a sender it refused rather than waited for). */
  private static boolean answered(SSLSocket socket) throws Exception {
    socket.setSoTimeout(300);
    try {
      return socket.getInputStream().read() >= 0;
    } catch (java.net.SocketTimeoutException waiting) {
      return false;
    } finally {
      socket.setSoTimeout(20_000);
    }
  }

  /**
   * {@code count} connections to the patient server, each sending a review's headers, then
   * {@code framing} (the rest of the headers and the start of the body), and stalling. A sender
   * the server answered at once (refused while an earlier test's body was still charged) is
   * replaced, so each one returned holds its charge.
   */
  private static List<SSLSocket> stallingSenders(String framing, int count) throws Exception {
    List<SSLSocket> senders = new ArrayList<>();
    for (int attempt = 0; attempt < 50 && senders.size() < count; attempt++) {
      SSLSocket socket = RawTls.connect(certs.caCert(), patient.port());
      OutputStream out = socket.getOutputStream();
      out.write(("POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json"
          + "\r\n" + framing).getBytes(StandardCharsets.US_ASCII));
      out.flush();
      if (answered(socket)) {
        socket.close();
      } else {
        senders.add(socket);
      }
    }
    return senders;
  }

  /** A connection to {@code patient} as the kernel sees both its ends (Linux's /proc/net/tcp). */
  private record KernelQueues(boolean clientEnd, long clientTxQueue, boolean serverEnd,
      long serverRxQueue, String serverState) {

    boolean serverHasReadAll() {
      return clientEnd && serverEnd && clientTxQueue == 0 && serverRxQueue == 0;
    }

    boolean serverHasClosed() {
      // 01 ESTABLISHED: the hang-up has not arrived; 08 CLOSE_WAIT: it is not yet handled.
      return !serverEnd || !(serverState.equals("01") || serverState.equals("08"));
    }
  }

  private static final List<Path> PROC_TCP = List.of(Path.of("/proc/net/tcp"),
      Path.of("/proc/net/tcp6"));

  /** Waits until the kernel shows {@code done} for the connection from {@code clientPort}. */
  private static void awaitKernel(int clientPort, java.util.function.Predicate<KernelQueues> done)
      throws Exception {
    // The socket queues are read from Linux's /proc; elsewhere this check cannot run.
    Assumptions.assumeTrue(Files.isReadable(PROC_TCP.get(0)), "needs /proc/net/tcp (Linux)");
    KernelQueues seen = Eventually.until(Duration.ofSeconds(20),
        "the connection reaches the expected kernel state",
        () -> kernelQueues(clientPort, patient.port()), done);
    assertThat(done.test(seen)).as("connection state %s", seen).isTrue();
  }

  private static KernelQueues kernelQueues(int clientPort, int serverPort) {
    boolean clientEnd = false;
    boolean serverEnd = false;
    long tx = -1;
    long rx = -1;
    String state = "";
    for (Path file : PROC_TCP) {
      List<String> lines;
      try {
        lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
        String[] f = line.trim().split("\\s+");
        int local = Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16);
        int remote = Integer.parseInt(f[2].substring(f[2].indexOf(':') + 1), 16);
        String[] queues = f[4].split(":");
        if (local == clientPort && remote == serverPort) {
          clientEnd = true;
          tx = Long.parseLong(queues[0], 16);
        } else if (local == serverPort && remote == clientPort) {
          serverEnd = true;
          rx = Long.parseLong(queues[1], 16);
          state = f[3];
        }
      }
    }
    return new KernelQueues(clientEnd, tx, serverEnd, rx, state);
  }

  /** Sends until the answer has {@code status} (the server sees other connections in its time). */
  private static Reply untilStatus(HttpsClient client, byte[] body, int status) {
    return Eventually.until(Duration.ofSeconds(10), "/validate answers with the expected status",
        () -> client.post("/validate", body),
        reply -> reply.status() == status);
  }

  @Test
  void aSenderTricklingABodyIsCutOffAtTheDeadline() throws Exception {
    try (SSLSocket socket = RawTls.connect(certs.caCert(), quick.port())) {
      assertTrickledBodyCutOff(socket, "{\"apiVersion\":\"admission.k8s.io/v1\"".repeat(20));
    }
  }

  /** Sends a review's headers, trickles {@code body}, and expects 408 well before 15 s. */
  private static void assertTrickledBodyCutOff(SSLSocket socket, String body) throws Exception {
    OutputStream out = socket.getOutputStream();
    out.write(("POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json"
        + "\r\nContent-Length: 1000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
    long started = System.nanoTime();

    String answer = trickle(socket, body);
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

    assertThat(answer).startsWith("HTTP/1.1 408").contains("not received within 1000 ms");
    assertThat(millis).as("cut off, not left to the idle timeout of 30 s").isLessThan(15_000);
  }

  /**
   * The deadline's timers are set once per connection and re-armed when they fire (issue 19):
   * a second request on a kept-alive connection, sent while the timer still waits for the
   * first's deadline, must be held to its own when that timer fires.
   */
  @Test
  void aLaterRequestOnAKeptAliveConnectionThatTricklesIsCutOffAtItsDeadline() throws Exception {
    try (SSLSocket socket = RawTls.connect(certs.caCert(), quick.port())) {
      OutputStream out = socket.getOutputStream();
      out.write(("POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json"
          + "\r\nContent-Length: 2\r\n\r\n{}").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String first = readAnswer(socket);
      assertThat(first).startsWith("HTTP/1.1 400");

      // 37 bytes at 300 ms each: 11 s, past the deadline of 1 s
      assertTrickledBodyCutOff(socket, "{\"apiVersion\":\"admission.k8s.io/v1\"");
    }
  }

  /** One HTTP/1.1 answer with a Content-Length, read off the socket, which stays open. */
  private static String readAnswer(SSLSocket socket) throws Exception {
    var in = socket.getInputStream();
    StringBuilder text = new StringBuilder();
    int length = -1;
    while (length < 0 || text.length() < text.indexOf("\r\n\r\n") + 4 + length) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      text.append((char) b);
      int headersEnd = text.indexOf("\r\n\r\n");
      if (length < 0 && headersEnd > 0) {
        var matcher = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)")
            .matcher(text.substring(0, headersEnd));
        length = matcher.find() ? Integer.parseInt(matcher.group(1)) : 0;
      }
    }
    return text.toString();
  }

  @Test
  void aSenderTricklingHeadersIsCutOffAtTheDeadline() throws Exception {
    try (SSLSocket socket = RawTls.connect(certs.caCert(), quick.port())) {
      long started = System.nanoTime();

      String answer = trickle(socket, "POST /validate HTTP/1.1\r\nHost: localhost\r\n"
          + "X-Padding: " + "a".repeat(200));
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

      assertThat(answer).as("closed without an answer").isEmpty();
      assertThat(millis).as("cut off, not left to the idle timeout of 30 s").isLessThan(15_000);
    }
  }

  /**
   * Writes one byte every 300 ms (well inside the idle timeout) until the server closes the
   * connection; returns what the server sent. Fails if all bytes go through.
   */
  private static String trickle(SSLSocket socket, String text) throws Exception {
    OutputStream out = socket.getOutputStream();
    try {
      for (byte b : text.getBytes(StandardCharsets.US_ASCII)) {
        out.write(b);
        out.flush();
        // the stimulus: a sender's pace, slow but inside the idle timeout
        Eventually.pace(Duration.ofMillis(300));
        if (socket.getInputStream().available() > 0) {
          break;
        }
      }
    } catch (java.io.IOException closed) {
      // the server closed the connection while we wrote: what it sent is still readable
    }
    try {
      return RawTls.readAll(socket);
    } catch (java.io.IOException reset) {
      return "";
    }
  }

  private static Future<Reply> post(HttpClient client, String path, byte[] body) {
    return Future.future(promise -> vertx.getOrCreateContext().runOnContext(v -> client
        .request(HttpMethod.POST, path)
        .compose(request -> request.putHeader("Content-Type", "application/json")
            .send(Buffer.buffer(body)))
        .compose(response -> response.body().map(b -> new Reply(response.statusCode(),
            response.getHeader("Content-Type"), b.toString())))
        .onComplete(promise)));
  }

}
