package io.opendatahub.mlflow.webhook.kube;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Keys waiting for the reconciler ("namespace/name" of a ServiceAccount). A key waits at most
 * once, so a burst of events for one account is one reconcile; a key whose reconcile failed
 * comes back after an exponential backoff, until it has failed {@code maxAttempts} times in a
 * row (then the next resync tries again).
 */
final class RetryQueue {

  /** A retry that was scheduled: the how-many-th, and after how long. */
  record Retry(int attempt, Duration delay) {}

  private final Worker worker;
  private final Consumer<String> handler;
  private final int maxAttempts;
  private final Duration firstRetry;
  private final Set<String> pending = ConcurrentHashMap.newKeySet();
  private final Map<String, Integer> failures = new ConcurrentHashMap<>();

  RetryQueue(Worker worker, Consumer<String> handler, int maxAttempts, Duration firstRetry) {
    this.worker = worker;
    this.handler = handler;
    this.maxAttempts = maxAttempts;
    this.firstRetry = firstRetry;
  }

  /** Hands {@code key} to the handler after {@code delay}, unless it is already waiting. */
  void add(String key, Duration delay) {
    if (pending.add(key)) {
      worker.after(delay, () -> {
        pending.remove(key);
        handler.accept(key);
      });
    }
  }

  /** The handler's work for {@code key} is done: its next failure starts the backoff afresh. */
  void succeeded(String key) {
    failures.remove(key);
  }

  /**
   * The handler's work for {@code key} failed: schedules the next try, or gives up (empty) when
   * this was the last attempt.
   */
  Optional<Retry> failed(String key) {
    int attempt = failures.merge(key, 1, Integer::sum);
    if (attempt >= maxAttempts) {
      failures.remove(key);
      return Optional.empty();
    }
    Duration backoff = firstRetry.multipliedBy(1L << (attempt - 1));
    add(key, backoff);
    return Optional.of(new Retry(attempt, backoff));
  }
}
