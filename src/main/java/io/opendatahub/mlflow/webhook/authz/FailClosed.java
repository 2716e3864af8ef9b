package io.opendatahub.mlflow.webhook.authz;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * What the service answers when it cannot answer: {@code allowed: false} with an {@code
 * evaluationError} an admin can act on. Kept apart so every path that fails (identity, cache,
 * upstream) denies with the same words and counts against the same rate-limited warning.
 */
final class FailClosed {

  /** Failing closed is logged at most once per interval, with a count of the rest. */
  private static final Duration FAILURE_LOG_INTERVAL = Duration.ofSeconds(10);

  private final ThrottledWarning failures;

  /** {@code log} is the service's, so operators filter these warnings under its name. */
  FailClosed(Logger log, LongSupplier nanoTime) {
    this.failures = new ThrottledWarning(log, FAILURE_LOG_INTERVAL.toNanos(), nanoTime);
  }

  AuthorizeResult answer(Throwable failure) {
    Throwable cause = UpstreamCalls.unwrap(failure);
    String error;
    if (cause instanceof TimeoutException) {
      error = "the API server did not answer in time; denied until it does";
    } else if (cause instanceof AuthorityUnavailableException) {
      error = cause.getMessage();
    } else if (cause instanceof FairUpstream.CallerBusy) {
      error = "too many access reviews in flight for this caller; denied, try again";
    } else if (cause instanceof RejectedExecutionException) {
      error = "too many access reviews in flight; denied, try again";
    } else {
      error = "the API server could not answer (" + cause.getClass().getSimpleName() + "); denied"
          + " until it can";
    }
    // Only the exception's type: messages of client errors can quote requests.
    failures.warn("access review failed closed: {}", cause.getClass().getName());
    return AuthorizeResult.decided(AccessDecision.failClosed(error));
  }

  /** The same answer as a decision, for a cache that shares it with the misses that waited. */
  AccessDecision decision(Throwable failure) {
    return answer(failure).decision();
  }
}
