package io.opendatahub.mlflow.webhook.bench;

import io.vertx.core.Handler;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

/**
 * The ceiling for {@code bench/run.sh}: the smallest Vert.x HTTPS server, same TLS settings as
 * the service and as many event loops, answering every POST with a fixed body of {@code X-Bench-Size} bytes (so each
 * workload is compared with a ceiling that sends as much as the service does).
 * usage: CeilingServer PORT CERT KEY
 */
public final class CeilingServer {

  public static void main(String[] args) throws Exception {
    Vertx vertx = Vertx.vertx();
    HttpServerOptions options = new HttpServerOptions().setHost("127.0.0.1")
        .setPort(Integer.parseInt(args[0])).setSsl(true).setUseAlpn(true)
        .setKeyCertOptions(new PemKeyCertOptions()
            .setCertValue(Buffer.buffer(Files.readAllBytes(Path.of(args[1]))))
            .setKeyValue(Buffer.buffer(Files.readAllBytes(Path.of(args[2])))))
        .setEnabledSecureTransportProtocols(Set.of("TLSv1.2", "TLSv1.3"));
    serve(vertx, options, request -> request.body().onComplete(b -> {
      String size = request.getHeader("X-Bench-Size");
      byte[] body = new byte[size == null ? 256 : Integer.parseInt(size)];
      Arrays.fill(body, (byte) 'x');
      request.response().putHeader("Content-Type", "application/json").end(Buffer.buffer(body));
    }));
    System.out.println("ceiling listening on " + args[0]);
  }

  /**
   * Serves {@code handler} on as many event loops as the service uses (one server per available
   * processor, sharing the port), with the service's server options; returns the port bound.
   */
  static int serve(Vertx vertx, HttpServerOptions options,
      Handler<HttpServerRequest> handler) throws Exception {
    int instances = Math.max(1, Runtime.getRuntime().availableProcessors());
    int port = options.getPort();
    if (port == 0) {
      // Vert.x shares a port among servers only when it is named: a second server given the
      // port the first got for 0 fails to bind.
      try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getByName(options.getHost()))) {
        port = free.getLocalPort();
      }
    }
    for (int i = 0; i < instances; i++) {
      // The service's server options (Listeners): no WebSocket compression, so no WebSocket
      // extension handler on each connection.
      HttpServerOptions bound = new HttpServerOptions(options).setPort(port)
          .setPerMessageWebSocketCompressionSupported(false)
          .setPerFrameWebSocketCompressionSupported(false);
      AtomicInteger actual = new AtomicInteger();
      vertx.deployVerticle(new VerticleBase() {
        @Override
        public Future<?> start() {
          return vertx.createHttpServer(bound).requestHandler(handler).listen()
              .onSuccess(server -> actual.set(server.actualPort()));
        }
      }).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      port = actual.get();
    }
    return port;
  }
}
