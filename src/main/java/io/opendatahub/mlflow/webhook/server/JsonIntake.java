package io.opendatahub.mlflow.webhook.server;

import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Locale;

/**
 * How a POST body reaches its endpoint: charged to the body budget, buffered up to the route's
 * limit, JSON only. A request refused before its endpoint read it (413, 400) is counted where
 * that endpoint would count what it cannot read, timed from when its handling began.
 */
final class JsonIntake {

  private static final String STARTED = JsonIntake.class.getName() + ".started";

  private final BodyBudget bodies;
  private final JsonReplies replies;
  private final WebhookMetrics metrics;

  JsonIntake(BodyBudget bodies, JsonReplies replies, WebhookMetrics metrics) {
    this.bodies = bodies;
    this.replies = replies;
    this.metrics = metrics;
  }

  /** Marks when the request's handling began. */
  void started(RoutingContext context) {
    context.put(STARTED, System.nanoTime());
  }

  /** The route, receiving a JSON body of at most {@code limit} bytes before its endpoint. */
  Route accepting(Route route, long limit) {
    return route.handler(new BodyIntake(bodies, limit, replies))
        .handler(bodyHandler(limit))
        .handler(this::requireJson);
  }

  /** Answers a request its endpoint never read, and counts it. */
  void refuseUnread(RoutingContext context, int status, String message) {
    countUnread(context);
    replies.error(context, status, message);
  }

  /**
   * Buffers a body up to {@code limit}. The buffer is sized from the declared length at once
   * (already charged to the body budget) rather than grown by doubling, which would hold up to
   * twice the body while copying.
   */
  private static BodyHandler bodyHandler(long limit) {
    return BodyHandler.create(false).setBodyLimit(limit).setPreallocateBodyBuffer(true);
  }

  private void requireJson(RoutingContext context) {
    String type = context.request().getHeader(HttpHeaders.CONTENT_TYPE);
    if (JsonReplies.JSON.equals(type)) {
      context.next(); // what the API server sends: nothing to take apart
      return;
    }
    String mediaType = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    if (!JsonReplies.JSON.equals(mediaType)) {
      refuseUnread(context, 400, "Content-Type must be application/json, got "
          + (type == null ? "none" : "'" + mediaType + "'"));
      return;
    }
    context.next();
  }

  private void countUnread(RoutingContext context) {
    Long started = context.get(STARTED);
    metrics.unread(context.normalizedPath(),
        started == null ? 0 : System.nanoTime() - started);
  }
}
