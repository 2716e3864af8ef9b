package io.opendatahub.mlflow.webhook.server;

import io.opendatahub.mlflow.webhook.admission.AdmissionReviewCodec;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.audit.AuditResults;
import io.opendatahub.mlflow.webhook.authz.AccessReview;
import io.opendatahub.mlflow.webhook.authz.AuthorizationService;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTPS front: routes, body limits, TLS. It decides nothing itself; every answer comes from
 * the admission core, the health conditions or the metrics registry.
 */
public final class WebhookServer {

  private static final Logger LOG = LoggerFactory.getLogger(WebhookServer.class);

  /**
   * Connections from which nothing arrives for this long are closed, stalled senders among them
   * (only what the client sends counts, see {@link Listeners}). It restarts on every byte, so
   * senders that trickle are left to the {@link #REQUEST_DEADLINE}.
   */
  public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);

  /**
   * Time to receive a whole request (headers and body): the API server sends a review at once
   * and gives up on the webhook after its timeout (3 s in the shipped manifests, 30 s at most).
   */
  public static final Duration REQUEST_DEADLINE = Duration.ofSeconds(10);

  /**
   * Threads that read and judge large reviews; also how many large trees exist at once. Two keep
   * one slow review from delaying every other large one on a 2-core pod.
   */
  static final int LARGE_REVIEW_THREADS = 2;

  static {
    TlsPolicy.rejectClientRenegotiation();
  }

  /** Access reviews are a few hundred bytes; big ones are abuse, and would bloat cache keys. */
  static final long AUTHORIZE_BODY_LIMIT = 64 * 1024;
  /** Room for a full batch of route checks (1,000 at a few hundred bytes each). */
  static final long ROUTE_CHECKS_BODY_LIMIT = 512 * 1024;
  /** Where the Kubernetes API serves access reviews; served here with /authorize's answers. */
  static final String KUBE_ACCESS_REVIEWS = "/apis/authorization.k8s.io/v1/";

  private final Vertx vertx;
  private final Settings settings;
  private final AdmissionService admission;
  private final Supplier<DecisionContext> contexts;
  private final WebhookMetrics metrics;
  private final Readiness readiness;
  private final AuthorizationService authorization;
  private final RouteAuthorizer routes;
  private final AdmissionReviewCodec codec = new AdmissionReviewCodec();
  private final JsonReplies replies = new JsonReplies(codec);
  private final Listeners listeners;
  private final BodyBudget bodies;
  private final WorkerExecutor largeReviews;
  /** The background audit's results; null without a cluster. */
  private final AuditResults audit;

  /**
   * @param port 0 picks a free port
   * @param maxBodyBytes larger admission bodies get 413
   * @param requestDeadline time to receive a whole request, then 408
   * @param bodyBytesInFlight heap for request bodies at once (each counts twice, see {@link
   *     BodyBudget}), then 503; 0 derives it from the heap ({@link BodyBudget#forHeap})
   */
  public record Settings(String host, int port, TlsMaterial tls, long maxBodyBytes,
      Duration idleTimeout, Duration requestDeadline, long bodyBytesInFlight) {

    public Settings(String host, int port, TlsMaterial tls, long maxBodyBytes) {
      this(host, port, tls, maxBodyBytes, IDLE_TIMEOUT);
    }

    public Settings(String host, int port, TlsMaterial tls, long maxBodyBytes,
        Duration idleTimeout) {
      this(host, port, tls, maxBodyBytes, idleTimeout, REQUEST_DEADLINE, 0);
    }
  }

  public WebhookServer(Vertx vertx, Settings settings, AdmissionService admission,
      Supplier<DecisionContext> contexts, AuthorizationService authorization,
      RouteAuthorizer routes, WebhookMetrics metrics, Readiness readiness) {
    this(vertx, settings, admission, contexts, authorization, routes, metrics, readiness, null);
  }

  /** @param audit the background audit's results, or null without a cluster */
  public WebhookServer(Vertx vertx, Settings settings, AdmissionService admission,
      Supplier<DecisionContext> contexts, AuthorizationService authorization,
      RouteAuthorizer routes, WebhookMetrics metrics, Readiness readiness, AuditResults audit) {
    this.audit = audit;
    this.vertx = vertx;
    this.authorization = authorization;
    this.routes = routes;
    this.settings = settings;
    this.admission = admission;
    this.contexts = contexts;
    this.metrics = metrics;
    this.readiness = readiness;
    BodyBudget bodies = settings.bodyBytesInFlight() > 0
        ? new BodyBudget(settings.bodyBytesInFlight(), settings.bodyBytesInFlight() / 4)
        : BodyBudget.forHeap(Runtime.getRuntime().maxMemory(), settings.maxBodyBytes());
    this.bodies = bodies;
    this.listeners = new Listeners(vertx, settings, replies);
    this.largeReviews = vertx.createSharedWorkerExecutor("large-admission-reviews",
        LARGE_REVIEW_THREADS);
  }

  public Future<HttpServer> start() {
    try {
      X509Certificate certificate = settings.tls().verify(vertx);
      metrics.certificateServed(certificate, false);
      LOG.info("serving certificate {} valid until {}",
          certificate.getSubjectX500Principal().getName(), certificate.getNotAfter().toInstant());
    } catch (IOException e) {
      return Future.failedFuture(e);
    }
    return listeners.start(this::front);
  }

  /** The port actually bound (useful when {@link Settings#port()} was 0). */
  public int port() {
    return listeners.port();
  }

  /**
   * Stops accepting connections and lets requests in flight finish, for at most {@code grace};
   * then closes what is left.
   */
  public Future<Void> stop(Duration grace) {
    return listeners.shutdown(grace).eventually(() -> largeReviews.close());
  }

  /** Serves new handshakes with another certificate; connections already open keep theirs. */
  public Future<Boolean> updateTls(TlsMaterial tls) {
    return listeners.updateTls(tls);
  }

  /** Each server's request handler: its own endpoints and router, on its own event loop. */
  private PostFront front(ReceiveDeadline deadline) {
    return new PostFront(vertx, postRoutes(), deadline, bodies, replies, metrics, this::router);
  }

  private List<PostRoute> postRoutes() {
    List<PostRoute> posts = new ArrayList<>();
    for (AdmissionEndpoint.Mode mode : AdmissionEndpoint.Mode.values()) {
      posts.add(new PostRoute("/" + mode.label, settings.maxBodyBytes(),
          new AdmissionEndpoint(mode, admission, codec, contexts, metrics, replies,
              largeReviews)));
    }
    posts.add(new PostRoute("/authorize/mlflow", ROUTE_CHECKS_BODY_LIMIT,
        new RouteCheckEndpoint(routes, metrics, replies)));
    posts.add(new PostRoute("/authorize", AUTHORIZE_BODY_LIMIT,
        new AuthorizeEndpoint(authorization, metrics, replies)));
    // The Kubernetes authorization API's own paths, so a client that asks the API server for
    // access reviews (a kubeconfig naming this service) gets /authorize's answers unmodified.
    for (AccessReview.Kind kind : AccessReview.Kind.values()) {
      posts.add(new PostRoute(KUBE_ACCESS_REVIEWS + kind.wireName().toLowerCase(Locale.ROOT)
          + "s", AUTHORIZE_BODY_LIMIT,
          new AuthorizeEndpoint(authorization, metrics, replies, kind)));
    }
    return posts;
  }

  /**
   * Everything but an exact POST path. The POST paths are routes here too: the router matches
   * them after normalising ({@code /validate/}, {@code //validate}) and answers 405 for their
   * other methods.
   */
  private Router router(PostFront front) {
    Router router = Router.router(vertx);
    for (PostRoute route : front.routes()) {
      router.post(route.path()).handler(context -> front.routed(context, route));
    }
    router.get("/healthz").handler(ctx -> ctx.response().end("ok"));
    router.get("/readyz").handler(this::ready);
    router.get("/metrics").handler(this::scrape);
    router.get("/audit").handler(new AuditEndpoint(audit, replies, largeReviews,
        Clock.systemUTC()));

    router.errorHandler(404, ctx -> replies.error(ctx, 404,
        "no such endpoint; this service serves POST /validate, POST /mutate, POST /authorize,"
            + " POST /authorize/mlflow, POST " + KUBE_ACCESS_REVIEWS + "subjectaccessreviews"
            + " and selfsubjectaccessreviews,"
            + " GET /healthz, GET /readyz, GET /metrics and GET /audit"));
    router.errorHandler(405, ctx -> replies.error(ctx, 405,
        "method " + ctx.request().method() + " is not allowed on " + ctx.normalizedPath()));
    router.errorHandler(400, ctx -> replies.refuse(ctx, 400, "bad request"));
    router.errorHandler(500, this::internalError);
    return router;
  }

  private void ready(RoutingContext context) {
    List<String> pending = readiness.pending();
    if (pending.isEmpty()) {
      context.response().end("ok");
      return;
    }
    context.response()
        .setStatusCode(503)
        .putHeader(HttpHeaders.CONTENT_TYPE, JsonReplies.JSON)
        .end(new JsonObject().put("ready", false).put("waitingFor", new JsonArray(pending))
            .encode());
  }

  private void scrape(RoutingContext context) {
    context.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
        .end(metrics.scrape());
  }

  private void internalError(RoutingContext context) {
    if (context.failure() != null) {
      LOG.error("unhandled failure on {} {}", context.request().method(), context.normalizedPath(),
          context.failure());
    }
    replies.error(context, 500, "internal error; the webhook's log has the details");
  }
}
