package io.opendatahub.mlflow.webhook.server;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The main port's request handler. A POST whose path is exactly one of the endpoints' goes
 * straight to it: body charged to the budget, received up to the route's limit, media type
 * checked, then the endpoint. Everything else (GETs, other methods, unknown paths, and paths the
 * router normalises, such as {@code /validate/}) goes to Vert.x Web's router, which answers the
 * 404s and 405s and sends a normalised POST path back here. Vert.x Web's router, body handler and
 * the handler chain around them cost ~10% of a bare TLS server's throughput (issue 19).
 *
 * <p>One instance per server, used by its event loop only.
 */
final class PostFront implements Handler<HttpServerRequest> {

  private static final Logger LOG = LoggerFactory.getLogger(PostFront.class);

  private static final String INTERNAL_ERROR = "internal error; the webhook's log has the details";

  /**
   * Looked through in order: for a handful of paths, comparing lengths and then characters costs
   * less than hashing the request's path, a new string each time (a hash map's lookup was ~1% of
   * a small review's CPU in a profile).
   */
  private final PostRoute[] routes;
  private final ReceiveDeadline deadline;
  private final BodyBudget budget;
  private final JsonReplies replies;
  private final WebhookMetrics metrics;
  private final Context context;
  private final Router router;
  /** The request the router is routing at the moment: routing runs to its handler at once. */
  private Exchange routing;

  /**
   * @param routers the router for everything that is not an exact POST path; it sends POSTs to
   *     the routes' paths back through {@link #routed}
   */
  PostFront(Vertx vertx, List<PostRoute> routes, ReceiveDeadline deadline, BodyBudget budget,
      JsonReplies replies, WebhookMetrics metrics, Function<PostFront, Router> routers) {
    this.routes = routes.toArray(PostRoute[]::new);
    this.deadline = deadline;
    this.budget = budget;
    this.replies = replies;
    this.metrics = metrics;
    this.context = vertx.getOrCreateContext();
    this.router = routers.apply(this);
  }

  @Override
  public void handle(HttpServerRequest request) {
    Exchange exchange = new Exchange(this, request, context, System.nanoTime());
    deadline.received(exchange);
    Handler<Void> done = ignored -> exchange.finish();
    request.response().endHandler(done).closeHandler(done);
    PostRoute route = request.method() == HttpMethod.POST ? route(request.path()) : null;
    if (route != null) {
      intake(exchange, route);
      return;
    }
    routing = exchange;
    try {
      router.handle(request);
    } finally {
      routing = null;
    }
  }

  /** The router's handler for a route's path it matched after normalising it. */
  void routed(RoutingContext context, PostRoute route) {
    Exchange exchange = routing;
    if (exchange == null) {
      context.fail(new IllegalStateException("a POST routed outside PostFront.handle"));
      return;
    }
    intake(exchange, route);
  }

  List<PostRoute> routes() {
    return List.of(routes);
  }

  private PostRoute route(String path) {
    for (PostRoute route : routes) {
      if (route.path().equals(path)) {
        return route;
      }
    }
    return null;
  }

  BodyBudget budget() {
    return budget;
  }

  void ended(Exchange exchange) {
    deadline.ended(exchange);
  }

  private void intake(Exchange exchange, PostRoute route) {
    HttpServerRequest request = exchange.request();
    long declared = BodyIntake.declaredLength(request.getHeader(HttpHeaders.CONTENT_LENGTH));
    if (declared > route.limit()) {
      refuseUnread(exchange, route, 413, tooLargeMessage(route));
      return;
    }
    // Without a declared length (chunked, or HTTP/2 without content-length) assume the worst.
    long charge = declared < 0 ? route.limit() : declared;
    if (!budget.tryTake(charge)) {
      request.response().putHeader(HttpHeaders.RETRY_AFTER, "1");
      replies.refuse(request, 503, "the webhook is receiving as many request bodies as its"
          + " memory allows (" + budget.capacity() + " bytes of heap); retry shortly");
      return;
    }
    exchange.charged(route, charge);
    String expect = request.getHeader(HttpHeaders.EXPECT);
    if (expect != null) {
      if (!"100-continue".equalsIgnoreCase(expect)) {
        replies.refuse(request, 417, "Expect: only 100-continue is understood");
        return;
      }
      if (request.version() != HttpVersion.HTTP_1_0) {
        request.response().writeContinue();
      }
    }
    String mediaTypeError = mediaTypeError(request.getHeader(HttpHeaders.CONTENT_TYPE));
    if (mediaTypeError != null) {
      refuseUnread(exchange, route, 400, mediaTypeError);
      return;
    }
    if (request.isEnded() || declared == 0 || declared < 0
        && request.version() != HttpVersion.HTTP_2
        && request.getHeader(HttpHeaders.TRANSFER_ENCODING) == null) {
      // Nothing to read: as Vert.x Web's body handler, an HTTP/1 request without a length or
      // chunks has no body.
      exchange.noBody();
      serve(exchange, route);
      return;
    }
    exchange.receive(declared);
  }

  /** The body is complete (request ended). */
  void received(Exchange exchange) {
    if (exchange.refusedMidBody() || exchange.response().ended()) {
      return;
    }
    exchange.receivedBody();
    serve(exchange, exchange.route());
  }

  /** The body grew past the route's limit (or its declared length) while being received. */
  void tooLarge(Exchange exchange) {
    refuseUnread(exchange, exchange.route(), 413, tooLargeMessage(exchange.route()));
  }

  private void serve(Exchange exchange, PostRoute route) {
    try {
      route.endpoint().handle(exchange);
    } catch (RuntimeException e) {
      LOG.error("unhandled failure on {} {}", exchange.request().method(), route.path(), e);
      replies.error(exchange.response(), 500, INTERNAL_ERROR);
    }
  }

  /** Answers a request its endpoint never read (reading and dropping the body), and counts it. */
  private void refuseUnread(Exchange exchange, PostRoute route, int status, String message) {
    metrics.unread(route.path(), System.nanoTime() - exchange.arrivedNanos);
    replies.refuse(exchange.request(), status, message);
  }

  private static String tooLargeMessage(PostRoute route) {
    return "request body is larger than the limit of " + route.limit() + " bytes";
  }

  /** Null when {@code type} names JSON, else why not. */
  private static String mediaTypeError(String type) {
    if (JsonReplies.JSON.equals(type)) {
      return null; // what the API server sends: nothing to take apart
    }
    String mediaType = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    if (JsonReplies.JSON.equals(mediaType)) {
      return null;
    }
    return "Content-Type must be application/json, got "
        + (type == null ? "none" : "'" + mediaType + "'");
  }
}
