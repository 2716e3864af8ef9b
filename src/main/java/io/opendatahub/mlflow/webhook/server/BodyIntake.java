package io.opendatahub.mlflow.webhook.server;

import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.PlatformHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Runs before a route's body handler: charges the body to the {@link BodyBudget}, or answers
 * 503 (reading and dropping the body, never buffering it) when the service already holds as
 * many body bytes as it may. A body declared over the route's limit passes on, for the body
 * handler's 413. A platform handler: Vert.x Web runs those before body handlers.
 */
final class BodyIntake implements PlatformHandler {

  /** Where a request's {@link Charge} is kept in its routing context. */
  static final String CHARGE = BodyIntake.class.getName() + ".charge";

  /**
   * A body's charge, given back when its last holder lets go: the request (when its answer is
   * sent or its connection closes) and any work still holding the body, such as a large review
   * queued for its pool after the sender hung up.
   */
  static final class Charge {
    private final BodyBudget budget;
    private final long bytes;
    private final AtomicInteger holders = new AtomicInteger(1);

    Charge(BodyBudget budget, long bytes) {
      this.budget = budget;
      this.bytes = bytes;
    }

    /** One more holder; call {@link #release} once it is done with the body. */
    void hold() {
      holders.incrementAndGet();
    }

    void release() {
      if (holders.decrementAndGet() == 0) {
        budget.give(bytes);
      }
    }
  }

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
    Charge held = new Charge(budget, charge);
    context.put(CHARGE, held);
    context.addEndHandler(ended -> held.release());
    context.next();
  }

  /**
   * Runs {@code work}, which reads the request's body, on {@code pool}: a large body read on an
   * event loop would hold every connection of that loop. The body stays charged until the work
   * is done, even when the request ends first (the pool's queue holds the body); work for a
   * client that hung up meanwhile is not run, and the future completes with null. The future
   * completes on the request's context.
   */
  static <T> Future<T> readOffLoop(RoutingContext context, Executor pool, Supplier<T> work) {
    Charge charge = context.get(CHARGE);
    if (charge != null) {
      charge.hold();
    }
    return Future.fromCompletionStage(CompletableFuture.supplyAsync(
                () -> context.response().closed() ? null : work.get(), pool),
            context.vertx().getOrCreateContext())
        .andThen(done -> {
          if (charge != null) {
            charge.release();
          }
        });
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
