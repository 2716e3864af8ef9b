package io.opendatahub.mlflow.webhook.server;

import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.PlatformHandler;

/**
 * Runs before a route's body handler (the authorizer port's; the main port's POSTs are received
 * by {@link PostFront}): charges the body to the {@link BodyBudget}, or answers 503 (reading and
 * dropping the body, never buffering it) when the service already holds as many body bytes as it
 * may. A body declared over the route's limit passes on, for the body handler's 413. A platform
 * handler: Vert.x Web runs those before body handlers.
 */
final class BodyIntake implements PlatformHandler {

  private final BodyBudget budget;
  private final long limit;
  private final JsonReplies replies;

  BodyIntake(BodyBudget budget, long limit, JsonReplies replies) {
    this.budget = budget;
    this.limit = limit;
    this.replies = replies;
  }

  @Override
  public void handle(RoutingContext context) {
    long declared = declaredLength(context.request().getHeader(HttpHeaders.CONTENT_LENGTH));
    if (declared > limit) {
      context.next();
      return;
    }
    // Without a declared length (chunked, or HTTP/2 without content-length) assume the worst.
    long charge = declared < 0 ? limit : declared;
    if (!budget.tryTake(charge)) {
      context.response().putHeader(HttpHeaders.RETRY_AFTER, "1");
      replies.refuse(context, 503, "the webhook is receiving as many request bodies as its"
          + " memory allows (" + budget.capacity() + " bytes of heap); retry shortly");
      return;
    }
    context.addEndHandler(ended -> budget.give(charge));
    context.next();
  }

  /** The Content-Length header, or -1 when absent or unreadable (the codec rejects the rest). */
  static long declaredLength(String header) {
    if (header == null) {
      return -1;
    }
    try {
      long length = Long.parseLong(header.trim());
      return length < 0 ? -1 : length;
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
