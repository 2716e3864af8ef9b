package io.opendatahub.mlflow.webhook.server;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.ServerSSLOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * The listening side of {@link WebhookServer}: one HTTPS server per event loop sharing one port,
 * started, given a new certificate and shut down together.
 */
final class Listeners {

  private static final int HANDSHAKE_TIMEOUT_SECONDS = 10;

  private final Vertx vertx;
  private final WebhookServer.Settings settings;
  private final JsonReplies replies;
  /** One server per event loop, sharing the port: Vert.x spreads connections over them. */
  private final List<HttpServer> servers = new CopyOnWriteArrayList<>();

  Listeners(Vertx vertx, WebhookServer.Settings settings, JsonReplies replies) {
    this.vertx = vertx;
    this.settings = settings;
    this.replies = replies;
  }

  /** Listens on every event loop; {@code handlers} builds each server's request handler. */
  Future<HttpServer> start(Function<ReceiveDeadline, Handler<HttpServerRequest>> handlers) {
    int instances = Math.max(1, Runtime.getRuntime().availableProcessors());
    // Servers of one Vert.x instance on the same host and port share one listening socket and
    // take its connections in turn. Port 0 is never shared, so pick the free port first.
    int port;
    try {
      port = settings.port() == 0 ? freePort(settings.host()) : settings.port();
    } catch (IOException e) {
      return Future.failedFuture(e);
    }
    return Future.all(IntStream.range(0, instances).mapToObj(i -> listen(port, handlers)).toList())
        .map(all -> servers.get(0));
  }

  private static int freePort(String host) throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(host))) {
      return socket.getLocalPort();
    }
  }

  /**
   * One more server on its own event loop (a verticle instance owns one).
   *
   * <p>The idle timeout counts only what the client sends (a read-idle timeout), not what the
   * server writes: Netty's idle handler then leaves writes alone, where an idle timeout on both
   * directions puts a listener on every write's promise (seen in a profile under load, issue 19).
   * It closes the same connections at nearly the same moments: a keep-alive connection resting
   * after its answer (counted from the request's last byte rather than from the answer's,
   * milliseconds apart; the answer, one write handed to the socket at once, still goes out
   * before the close), and a client that stops reading an answer too large for the socket's
   * buffers (its one write never completed, so it never restarted the timeout either). Over
   * HTTP/2 a client reading a long answer sends window updates, which count. A slow sender is
   * the {@link ReceiveDeadline}'s.
   */
  private Future<HttpServer> listen(int port,
      Function<ReceiveDeadline, Handler<HttpServerRequest>> handlers) {
    HttpServerOptions options = withoutWebSockets(TlsPolicy.apply(new HttpServerOptions()))
        .setHost(settings.host())
        .setPort(port)
        .setSsl(true)
        .setUseAlpn(true)
        .setKeyCertOptions(settings.tls().keyCertOptions())
        .setSslHandshakeTimeout(HANDSHAKE_TIMEOUT_SECONDS)
        .setSslHandshakeTimeoutUnit(TimeUnit.SECONDS)
        .setReadIdleTimeout((int) settings.idleTimeout().toMillis())
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
    Promise<HttpServer> bound = Promise.promise();
    return vertx.deployVerticle(new VerticleBase() {
      @Override
      public Future<?> start() {
        ReceiveDeadline deadline = new ReceiveDeadline(vertx, settings.requestDeadline(),
            settings.idleTimeout(), replies);
        return vertx.createHttpServer(options)
            .connectionHandler(deadline::opened)
            .requestHandler(handlers.apply(deadline))
            .listen()
            .onSuccess(server -> {
              servers.add(server);
              bound.complete(server);
            });
      }
    }).compose(deployed -> bound.future());
  }

  /**
   * No WebSocket compression: the service serves no WebSockets, and with either kind of it
   * enabled (Vert.x's default) every HTTP/1.1 connection carries Netty's WebSocket extension
   * handler, which looks at every response written (seen in a profile of {@code /authorize}).
   * The benchmark's ceiling is given the same options.
   */
  static HttpServerOptions withoutWebSockets(HttpServerOptions options) {
    return options.setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false);
  }

  int port() {
    return servers.get(0).actualPort();
  }

  /** Stops accepting; connections in flight get up to {@code grace} to finish. */
  Future<Void> shutdown(Duration grace) {
    return Future.all(servers.stream()
        .map(server -> server.shutdown(grace.toMillis(), TimeUnit.MILLISECONDS)).toList())
        .mapEmpty();
  }

  /** Serves new handshakes with another certificate; connections already open keep theirs. */
  Future<Boolean> updateTls(TlsMaterial tls) {
    ServerSSLOptions options = TlsPolicy.apply(new ServerSSLOptions())
        .setKeyCertOptions(tls.keyCertOptions());
    return Future.all(servers.stream().map(server -> server.updateSSLOptions(options, true))
            .toList())
        .map(all -> all.<Boolean>list().stream().allMatch(Boolean.TRUE::equals));
  }
}
