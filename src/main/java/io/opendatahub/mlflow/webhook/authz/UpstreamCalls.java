package io.opendatahub.mlflow.webhook.authz;

import io.opendatahub.mlflow.webhook.policy.AuthorizationPolicy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The one way the service asks the API server anything, so TokenReviews and SubjectAccessReviews
 * obey the same discipline: a fair turn per caller (see {@link FairUpstream}), retries, the
 * policy's deadline over all of it, and the time and outcome reported to the listener. Questions
 * the local authority answers in-process take the same path but are not reported: they are not
 * calls to the API server.
 */
final class UpstreamCalls {

  private static final Duration RETRY_BACKOFF = Duration.ofMillis(50);
  /** Calls to the API server at once: the threads of the Kubernetes reviewer's pool. */
  static final int MAX_UPSTREAM_RUNNING = 8;
  /** Half of them for one caller, so another caller's call starts without waiting. */
  static final int MAX_UPSTREAM_RUNNING_PER_CALLER = 4;
  /** A caller's calls running or waiting; beyond it its questions fail closed at once. */
  static final int MAX_UPSTREAM_PER_CALLER = 64;

  private final Supplier<AuthorizationPolicy> settings;
  private final AuthorizationService.Listener listener;
  private final LongSupplier ticker;
  private final FairUpstream fair;

  /** {@code settings} is read on every call: a policy reload changes the next call's limits. */
  UpstreamCalls(Supplier<AuthorizationPolicy> settings, AuthorizationService.Listener listener,
      LongSupplier ticker) {
    this.settings = settings;
    this.listener = listener;
    this.ticker = ticker;
    this.fair = new FairUpstream(MAX_UPSTREAM_RUNNING, MAX_UPSTREAM_RUNNING_PER_CALLER,
        MAX_UPSTREAM_PER_CALLER, ticker);
  }

  /**
   * One upstream question, retried on failure, all within the policy's deadline, waiting for the
   * caller's turn (see {@link FairUpstream}); a turn that comes after the deadline is skipped.
   * Reported to the listener when {@code reviewer} sends the question to the API server.
   */
  <T> CompletableFuture<T> call(AccessReviewer.Question question, AccessReviewer reviewer,
      String caller, Supplier<CompletableFuture<T>> attempt) {
    boolean remote = reviewer.asksApiServer(question);
    AuthorizationPolicy.Upstream upstream = settings.get().upstream();
    long started = System.nanoTime();
    long deadline = ticker.getAsLong() + upstream.timeout().toNanos();
    CompletableFuture<T> result = attempt(() -> fair.submit(caller, deadline, attempt),
        upstream.retries())
        .orTimeout(upstream.timeout().toMillis(), TimeUnit.MILLISECONDS);
    if (remote) {
      result.whenComplete((value, failure) -> listener.upstream(question.label(),
          System.nanoTime() - started, failure == null ? "ok"
              : unwrap(failure) instanceof TimeoutException ? "timeout" : "error"));
    }
    return result;
  }

  private static <T> CompletableFuture<T> attempt(Supplier<CompletableFuture<T>> call,
      int retriesLeft) {
    CompletableFuture<T> first;
    try {
      first = call.get();
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (retriesLeft == 0) {
      return first;
    }
    return first.handle((value, failure) -> {
      if (failure == null) {
        return CompletableFuture.completedFuture(value);
      }
      Throwable cause = unwrap(failure);
      if (cause instanceof RejectedExecutionException || cause instanceof TimeoutException) {
        return CompletableFuture.<T>failedFuture(failure);
      }
      return CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(
              RETRY_BACKOFF.toMillis(), TimeUnit.MILLISECONDS))
          .thenCompose(ignored -> attempt(call, retriesLeft - 1));
    }).thenCompose(future -> future);
  }

  /** The failure a future chain wrapped: what the outcome and the denial are named after. */
  static Throwable unwrap(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }
}
