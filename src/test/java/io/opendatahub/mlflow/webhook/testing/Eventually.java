package io.opendatahub.mlflow.webhook.testing;

import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Waits for a condition that becomes true asynchronously (informer events, a counter), within a
 * bound that only detects hangs. The one place in the tests that sleeps.
 */
public final class Eventually {

  private static final Duration PAUSE = Duration.ofMillis(50);

  private Eventually() {}

  /**
   * The first value of {@code probe} that is {@code done}; fails the test, naming {@code what}
   * never became true and the last value seen, when none is within {@code bound}.
   */
  public static <T> T until(Duration bound, String what, Supplier<T> probe, Predicate<T> done) {
    long deadline = System.nanoTime() + bound.toNanos();
    T value = probe.get();
    while (!done.test(value)) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("never became true within " + bound.toSeconds() + " s: " + what
            + "; last value: " + value);
      }
      pause();
      value = probe.get();
    }
    return value;
  }

  /** Waits until {@code condition} holds; fails the test, naming it, when it never does. */
  public static void until(Duration bound, String what, Supplier<Boolean> condition) {
    until(bound, what, condition, Boolean.TRUE::equals);
  }

  /** Sleeps one polling interval. */
  public static void pause() {
    pace(PAUSE);
  }

  /** Spaces out the steps of a stimulus (a slow sender, repeated resyncs); never a wait. */
  public static void pace(Duration interval) {
    try {
      Thread.sleep(interval.toMillis(), interval.toNanosPart() % 1_000_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting", e);
    }
  }
}
