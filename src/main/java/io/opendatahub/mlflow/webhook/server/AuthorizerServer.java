package io.opendatahub.mlflow.webhook.server;

import io.opendatahub.mlflow.webhook.admission.AdmissionReviewCodec;
import io.opendatahub.mlflow.webhook.admission.NamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.PlatformHandler;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * The listener for the API server's webhook authorizer, on a port of its own.
 *
 * <p>Why a port of its own: the API server authenticates with a client certificate, so this
 * listener asks every client for one and trusts only the configured CA. On the main port that
 * request would reach every admission call and tracking-server check too, and any of those
 * clients that happens to hold a certificate from another CA would fail its handshake. Apart,
 * the admission path cannot be broken by a client-CA mistake, the port can be opened only to
 * the control plane (NetworkPolicy), and a certificate signed by another CA is refused by the
 * handshake itself. Certificates are requested, not required, so the bearer-token alternative
 * works on the same port; {@link AuthorizerCallers} refuses every request that brought neither.
 */
public final class AuthorizerServer {

  /** The path the API server's kubeconfig names ({@code server: https://host:port/authorizer}). */
  public static final String PATH = "/authorizer";

  /**
   * @param clientCa PEM CA bundle that signs the API server's client certificate, or null
   * @param tokenFile file holding the bearer token the API server presents, or null
   */
  public record Settings(String host, int port, Path clientCa, Path tokenFile) {}

  private final Vertx vertx;
  private final Settings settings;
  private final WebhookServer.Settings serving;
  private final Supplier<Policy> policies;
  private final NamespaceFacts namespaces;
  private final WebhookMetrics metrics;
  private final JsonReplies replies = new JsonReplies(new AdmissionReviewCodec());
  private PemTrustOptions trust;
  /** One server per event loop, sharing the port, as the main listener. */
  private final List<HttpServer> servers = new CopyOnWriteArrayList<>();

  public AuthorizerServer(Vertx vertx, Settings settings, WebhookServer.Settings serving,
      Supplier<Policy> policies, NamespaceFacts namespaces, WebhookMetrics metrics) {
    this.vertx = vertx;
    this.settings = settings;
    this.serving = serving;
    this.policies = policies;
    this.namespaces = namespaces;
    this.metrics = metrics;
  }

  public Future<HttpServer> start() {
    AuthorizerCallers callers;
    try {
      trust = settings.clientCa() == null ? null : clientCa(settings.clientCa());
      callers = AuthorizerCallers.of(trust != null, settings.tokenFile());
    } catch (IOException e) {
      return Future.failedFuture(e);
    }
    int port;
    try (ServerSocket free = new ServerSocket(settings.port(), 1,
        InetAddress.getByName(settings.host()))) {
      // Servers share a port only when it is named: port 0 becomes a free one first.
      port = free.getLocalPort();
    } catch (IOException e) {
      return Future.failedFuture(new IOException("--authorizer-port: cannot listen on "
          + settings.host() + ":" + settings.port() + ": " + e.getMessage(), e));
    }
    HttpServerOptions options = TlsPolicy.apply(new HttpServerOptions())
        .setHost(settings.host())
        .setPort(port)
        .setSsl(true)
        .setUseAlpn(true)
        .setKeyCertOptions(serving.tls().keyCertOptions())
        .setSslHandshakeTimeout(10)
        .setSslHandshakeTimeoutUnit(TimeUnit.SECONDS)
        .setIdleTimeout((int) serving.idleTimeout().toMillis())
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
    if (trust != null) {
      options.setTrustOptions(trust).setClientAuth(ClientAuth.REQUEST);
    }
    // Its own small budget: the API server sends reviews of a few hundred bytes.
    BodyBudget bodies = new BodyBudget(64 * WebhookServer.AUTHORIZE_BODY_LIMIT,
        16 * WebhookServer.AUTHORIZE_BODY_LIMIT);
    int instances = Math.max(1, Runtime.getRuntime().availableProcessors());
    return Future.all(IntStream.range(0, instances)
            .mapToObj(i -> listen(options, callers, bodies)).toList())
        .map(all -> servers.get(0));
  }

  /** One more server on its own event loop (a verticle instance owns one). */
  private Future<HttpServer> listen(HttpServerOptions options, AuthorizerCallers callers,
      BodyBudget bodies) {
    Promise<HttpServer> bound = Promise.promise();
    return vertx.deployVerticle(new VerticleBase() {
      @Override
      public Future<?> start() {
        ReceiveDeadline deadline = new ReceiveDeadline(vertx, serving.requestDeadline(),
            serving.idleTimeout(), replies);
        return vertx.createHttpServer(options)
            .connectionHandler(deadline::opened)
            .requestHandler(router(deadline, callers, bodies))
            .listen()
            .onSuccess(server -> {
              servers.add(server);
              bound.complete(server);
            });
      }
    }).compose(deployed -> bound.future());
  }

  private Router router(ReceiveDeadline deadline, AuthorizerCallers callers, BodyBudget bodies) {
    Router router = Router.router(vertx);
    router.route().handler(deadline::received);
    router.post(PATH)
        .handler(new CallerCheck(callers, replies))
        .handler(new BodyIntake(bodies, WebhookServer.AUTHORIZE_BODY_LIMIT, replies))
        .handler(BodyHandler.create(false).setBodyLimit(WebhookServer.AUTHORIZE_BODY_LIMIT)
            .setPreallocateBodyBuffer(true))
        .handler(new AuthorizerEndpoint(policies, namespaces, metrics, replies));
    router.errorHandler(404, ctx -> replies.error(ctx, 404,
        "no such endpoint; this port serves only POST " + PATH));
    router.errorHandler(405, ctx -> replies.error(ctx, 405,
        "method " + ctx.request().method() + " is not allowed on " + ctx.normalizedPath()));
    router.errorHandler(413, ctx -> replies.error(ctx, 413, "request body is larger than the"
        + " limit of " + WebhookServer.AUTHORIZE_BODY_LIMIT + " bytes"));
    router.errorHandler(500, ctx -> replies.error(ctx, 500,
        "internal error; the webhook's log has the details"));
    return router;
  }

  /**
   * Refuses callers other than the API server before their body is read. A platform handler:
   * Vert.x Web runs those ahead of body handling.
   */
  private record CallerCheck(AuthorizerCallers callers, JsonReplies replies)
      implements PlatformHandler {

    @Override
    public void handle(RoutingContext context) {
      callers.refusal(context.request()).ifPresentOrElse(
          why -> replies.error(context, 401, why), context::next);
    }
  }

  private static PemTrustOptions clientCa(Path file) throws IOException {
    String setting = "--authorizer-client-ca / WEBHOOK_AUTHORIZER_CLIENT_CA: ";
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new IOException(setting + file + " is not a readable file");
    }
    byte[] pem = Files.readAllBytes(file);
    if (!new String(pem, StandardCharsets.US_ASCII).contains("BEGIN CERTIFICATE")) {
      throw new IOException(setting + file + " holds no PEM CERTIFICATE block");
    }
    return new PemTrustOptions().addCertValue(Buffer.buffer(pem));
  }

  public int port() {
    return servers.get(0).actualPort();
  }

  /** New handshakes get the new serving certificate; the client CA stays. */
  public Future<Boolean> updateTls(TlsMaterial tls) {
    ServerSSLOptions options = TlsPolicy.apply(new ServerSSLOptions())
        .setKeyCertOptions(tls.keyCertOptions());
    if (trust != null) {
      options.setTrustOptions(trust).setClientAuth(ClientAuth.REQUEST);
    }
    return Future.all(servers.stream().map(server -> server.updateSSLOptions(options, true))
            .toList())
        .map(all -> all.<Boolean>list().stream().allMatch(Boolean.TRUE::equals));
  }

  public Future<Void> stop(Duration grace) {
    return Future.all(servers.stream()
        .map(server -> server.shutdown(grace.toMillis(), TimeUnit.MILLISECONDS)).toList())
        .mapEmpty();
  }
}
