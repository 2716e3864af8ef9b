package io.opendatahub.mlflow.webhook.bench;

import io.vertx.core.Handler;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
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
import io.opendatahub.mlflow.webhook.server.WebhookServer;
import java.time.Duration;
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
    TREE,
    /**
     * The service's front since it stopped routing its POSTs (PostFront, Exchange): no Router;
     * the request handler matches the exact path, checks the Content-Type, and receives the body
     * chunk by chunk into one array of the declared length; the endpoint gets the array.
     */
    FRONT,
    /** The front and a Jackson token loop over the body. */
    FRONT_TOKENS,
    /** The front and Jackson's readTree of the body. */
    FRONT_TREE;

    /** {@code front-tokens} or {@code front_tokens}, any case. */
    static Layer of(String name) {
      return valueOf(name.toUpperCase(Locale.ROOT).replace('-', '_'));
    }

    /** The name the scripts use: {@code front-tokens}. */
    String label() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Whether the layer receives its POSTs without Vert.x Web's Router. */
    boolean front() {
      return this == FRONT || this == FRONT_TOKENS || this == FRONT_TREE;
    }

    /** What the layer does with the body once it has it. */
    Layer reading() {
      return switch (this) {
        case FRONT_TOKENS -> TOKENS;
        case FRONT_TREE -> TREE;
        default -> this;
      };
    }
  }

  /** The POST paths the service serves its workloads on. */
  private static final List<String> PATHS =
      List.of("/validate", "/mutate", "/authorize/mlflow", "/authorize");

  /** The service's idle timeout, counted as the service counts it (only what arrives). */
  private static final Duration IDLE_TIMEOUT = WebhookServer.IDLE_TIMEOUT;

  private static final ObjectMapper JSON = new ObjectMapper();
  /** Where the JSON layers put what they read, so the JIT cannot drop the reading. */
  static volatile Object sink;

  public static void main(String[] args) throws Exception {
    Layer layer = args.length > 3 ? Layer.of(args[3]) : Layer.BARE;
    int port = start(Vertx.vertx(), Integer.parseInt(args[0]), Path.of(args[1]), Path.of(args[2]),
        layer);
    System.out.println("ceiling listening on " + port + " (" + layer.label() + ")");
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
    if (layer.front()) {
      return request -> front(request, layer.reading());
    }
    Router router = Router.router(vertx);
    boolean chain = layer != Layer.ROUTER;
    if (chain) {
      router.route().handler(context -> {
        context.put("started", System.nanoTime());
        context.next();
      });
    }
    for (String path : PATHS) {
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

  /**
   * The service's front, in short: a POST to one of the paths, of JSON, has its body received
   * into an array of its declared length (the service's Exchange), then read as {@code reading}
   * says. Anything else gets a bare 404 or 400: the workloads never ask for it.
   */
  private static void front(HttpServerRequest request, Layer reading) {
    if (request.method() != HttpMethod.POST || !PATHS.contains(request.path())) {
      request.response().setStatusCode(404).end();
      return;
    }
    if (!"application/json".equals(request.getHeader(HttpHeaders.CONTENT_TYPE))) {
      request.response().setStatusCode(400).end();
      return;
    }
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    byte[] body = new byte[length == null ? 0 : Integer.parseInt(length)];
    int[] received = {0};
    request.handler(chunk -> {
      int bytes = Math.min(chunk.length(), body.length - received[0]);
      chunk.getBytes(0, bytes, body, received[0]);
      received[0] += bytes;
    });
    request.endHandler(ended -> {
      try {
        read(reading, body);
      } catch (RuntimeException e) {
        request.response().setStatusCode(500).end(); // as the Router answers a failed handler
        return;
      }
      answer(request.response(), request.getHeader("X-Bench-Size"));
    });
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

  /**
   * {@code options} with the service's connection options (Listeners): no WebSocket compression,
   * so no WebSocket extension handler on each connection; its idle timeout, counting only what
   * the client sends, so Netty's idle handler in each connection's pipeline as in the service's.
   */
  static HttpServerOptions served(HttpServerOptions options, int port) {
    return new HttpServerOptions(options).setPort(port)
        .setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false)
        .setIdleTimeout(0)
        .setReadIdleTimeout((int) IDLE_TIMEOUT.toMillis())
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
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
      HttpServerOptions bound = served(options, port);
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
