package io.opendatahub.mlflow.webhook.authz;

import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.Answer;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.Question;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;

/**
 * Many questions with one token, answered in order. The questions go in windows of
 * {@value #BATCH_WINDOW} on the batch pool, never on the caller's thread (an event loop): with
 * the local authority a window is pure CPU, and the event loop stays free for other requests.
 * A caller has at most {@value #MAX_BATCHES_PER_CALLER} batches in flight (more get 429), and
 * a batch whose client went away ({@code gone}) stops before its next window, as does one
 * refused for its caller (401, 403: the whole batch is answered with that).
 */
final class RouteBatches {

  /** Checks of one batch in flight at once, so a large batch cannot flood the API server. */
  static final int BATCH_WINDOW = 16;
  /** Batches of one caller in flight at once. */
  static final int MAX_BATCHES_PER_CALLER = 4;

  private final RouteQuestions decider;
  private final Executor batches;
  private final CallerCounts batchesInFlight = new CallerCounts(MAX_BATCHES_PER_CALLER);

  RouteBatches(RouteQuestions decider, Executor batches) {
    this.decider = decider;
    this.batches = batches;
  }

  CompletableFuture<List<Answer>> decideAll(List<Question> questions, BearerToken bearerToken,
      BooleanSupplier gone) {
    String caller = bearerToken.missing() ? "" : bearerToken.sha256();
    // Single questions are bounded by the caller's connections and upstream share; batches
    // multiply a request into a thousand questions, so they are counted.
    boolean counted = (questions.size() > 1 || WorkspaceRoutes.listing(questions.get(0))
        || GraphqlRequest.heavy(questions.get(0))) && !bearerToken.missing();
    if (counted && !batchesInFlight.tryEnter(caller)) {
      return done(List.of(RouteAuthorizer.tooManyBatches()));
    }
    // One question is as cheap as /authorize's: decided where it arrives, never queued behind
    // other callers' batch windows.
    CompletableFuture<List<Answer>> answered = questions.size() == 1
        ? decider.decide(questions.get(0), bearerToken, gone).thenApply(List::of)
        : windows(questions, bearerToken, gone);
    if (counted) {
      answered.whenComplete((answers, failure) -> batchesInFlight.leave(caller));
    }
    return answered;
  }

  /** Whether the token's owner has as many batches in flight as allowed. */
  boolean full(BearerToken bearerToken) {
    return !bearerToken.missing()
        && batchesInFlight.inFlight(bearerToken.sha256()) >= MAX_BATCHES_PER_CALLER;
  }

  private CompletableFuture<List<Answer>> windows(List<Question> questions,
      BearerToken bearerToken, BooleanSupplier gone) {
    List<Answer> answers = new ArrayList<>(questions.size());
    CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
    for (int start = 0; start < questions.size(); start += BATCH_WINDOW) {
      List<Question> window = questions.subList(start,
          Math.min(start + BATCH_WINDOW, questions.size()));
      chain = chain.thenComposeAsync(ignored -> {
        if (gone.getAsBoolean()) {
          throw new CancellationException("the client went away");
        }
        if (answers.stream().anyMatch(RouteAuthorizer::refusesCaller)) {
          return done(null);
        }
        List<CompletableFuture<Answer>> pending = new ArrayList<>();
        window.forEach(question -> pending.add(decider.decide(question, bearerToken, gone)));
        return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
            .thenRun(() -> pending.forEach(answer -> answers.add(answer.join())));
      }, batches);
    }
    return chain.thenApply(ignored -> answers);
  }

  private static <T> CompletableFuture<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}
