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
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.PlatformHandler;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.ObjectMapper;

/**
 * The ceiling for {@code bench/run.sh}: the smallest Vert.x HTTPS server, same TLS settings as
 * the service and as many event loops, answering every POST with a fixed body of {@code X-Bench-Size} bytes (so each
 * workload is compared with a ceiling that sends as much as the service does).
 * With a LAYER other than {@code bare}, the ceiling adds one by one what a server that routes
 * and reads JSON must do before it can decide anything ({@code bench/layers.sh} measures each
 * against the bare one): {@link Layer}.
 * usage: CeilingServer PORT CERT KEY [LAYER=bare]
 */
public final class CeilingServer {

  /** What the ceiling does per request, each layer adding to the one before. */
  enum Layer {
    /** The request's body read, a fixed answer: the TLS and HTTP floor. */
    BARE,
    /** Vert.x Web's Router with a BodyHandler on the service's POST paths. */
    ROUTER,
    /**
     * The service's handler chain around it (WebhookServer, JsonIntake): a handler on every
     * route that keeps the start time, a platform handler that adds an end handler, the
     * BodyHandler, a Content-Type check, then the endpoint, which copies the body out.
     */
    CHAIN,
    /** The chain and a Jackson token loop over the body: reading JSON without a tree. */
    TOKENS,
    /** The chain and Jackson's readTree of the body: what the service's codecs started from. */
    TREE;

    static Layer of(String name) {
      return valueOf(name.toUpperCase(Locale.ROOT));
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  /** Where the JSON layers put what they read, so the JIT cannot drop the reading. */
  static volatile Object sink;

  public static void main(String[] args) throws Exception {
    Layer layer = args.length > 3 ? Layer.of(args[3]) : Layer.BARE;
    int port = start(Vertx.vertx(), Integer.parseInt(args[0]), Path.of(args[1]), Path.of(args[2]),
        layer);
    System.out.println("ceiling listening on " + port + " ("
        + layer.name().toLowerCase(Locale.ROOT) + ")");
  }

  /** Serves {@code layer} on {@code port} (0: any free one); returns the port bound. */
  static int start(Vertx vertx, int port, Path cert, Path key, Layer layer) throws Exception {
    HttpServerOptions options = new HttpServerOptions().setHost("127.0.0.1")
        .setPort(port).setSsl(true).setUseAlpn(true)
        .setKeyCertOptions(new PemKeyCertOptions()
            .setCertValue(Buffer.buffer(Files.readAllBytes(cert)))
            .setKeyValue(Buffer.buffer(Files.readAllBytes(key))))
        .setEnabledSecureTransportProtocols(Set.of("TLSv1.2", "TLSv1.3"));
    // A Router is not shared between event loops by the service either: one per server.
    return serve(vertx, options, () -> handler(vertx, layer));
  }

  static Handler<HttpServerRequest> handler(Vertx vertx, Layer layer) {
    if (layer == Layer.BARE) {
      return request -> request.body().onComplete(b -> answer(request.response(),
          request.getHeader("X-Bench-Size")));
    }
    Router router = Router.router(vertx);
    boolean chain = layer != Layer.ROUTER;
    if (chain) {
      router.route().handler(context -> {
        context.put("started", System.nanoTime());
        context.next();
      });
    }
    for (String path : List.of("/validate", "/mutate", "/authorize/mlflow", "/authorize")) {
      Route route = router.post(path);
      if (chain) {
        route.handler((PlatformHandler) context -> {
          context.addEndHandler(ended -> sink = context.get("started"));
          context.next();
        });
      }
      route.handler(BodyHandler.create(false).setBodyLimit(1 << 20).setPreallocateBodyBuffer(true));
      if (chain) {
        route.handler(context -> {
          if (!"application/json".equals(context.request().getHeader(HttpHeaders.CONTENT_TYPE))) {
            context.response().setStatusCode(400).end();
            return;
          }
          context.next();
        });
      }
      route.handler(context -> {
        if (chain) {
          read(layer, context.body().buffer().getBytes());
        }
        answer(context.response(), context.request().getHeader("X-Bench-Size"));
      });
    }
    return router;
  }

  private static void read(Layer layer, byte[] body) {
    switch (layer) {
      case TOKENS -> {
        try (JsonParser parser = JSON.createParser(body)) {
          int tokens = 0;
          while (parser.nextToken() != null) {
            tokens++;
          }
          sink = tokens;
        }
      }
      case TREE -> sink = JSON.readTree(body);
      default -> sink = body;
    }
  }

  private static void answer(HttpServerResponse response, String size) {
    byte[] body = new byte[size == null ? 256 : Integer.parseInt(size)];
    Arrays.fill(body, (byte) 'x');
    response.putHeader("Content-Type", "application/json").end(Buffer.buffer(body));
  }

  /**
   * Serves {@code handler} on as many event loops as the service uses (one server per available
   * processor, sharing the port), with the service's server options; returns the port bound.
   */
  static int serve(Vertx vertx, HttpServerOptions options,
      Handler<HttpServerRequest> handler) throws Exception {
    return serve(vertx, options, () -> handler);
  }

  /** As {@link #serve(Vertx, HttpServerOptions, Handler)}, a handler of its own per server. */
  static int serve(Vertx vertx, HttpServerOptions options,
      Supplier<Handler<HttpServerRequest>> handlers) throws Exception {
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
          return vertx.createHttpServer(bound).requestHandler(handlers.get()).listen()
              .onSuccess(server -> actual.set(server.actualPort()));
        }
      }).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      port = actual.get();
    }
    return port;
  }
}
