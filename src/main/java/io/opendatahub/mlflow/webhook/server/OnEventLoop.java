package io.opendatahub.mlflow.webhook.server;

import io.vertx.core.Future;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * Hands a decision to its endpoint on the request's event loop. A cached decision is already
 * complete when the service returns it: it is then handed over at once, as a Vert.x future
 * completed on its own event loop would have, without the Vert.x future and callbacks around it
 * (measured in BENCHMARKS.md, issue 19 session 9).
 */
final class OnEventLoop {

  private OnEventLoop() {}

  /**
   * {@code then} gets the result, or (null result) the failure; called on {@code exchange}'s
   * event loop, which must be the calling thread.
   */
  static <T> void whenDone(CompletableFuture<T> decided, Exchange exchange,
      BiConsumer<T, Throwable> then) {
    if (decided.isDone() && !decided.isCompletedExceptionally()) {
      then.accept(decided.join(), null);
      return;
    }
    Future.fromCompletionStage(decided, exchange.context())
        .onComplete(outcome -> then.accept(outcome.result(),
            outcome.failed() ? outcome.cause() : null));
  }
}
