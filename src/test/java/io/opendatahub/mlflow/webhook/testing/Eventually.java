package io.opendatahub.mlflow.webhook.testing;

import java.time.Duration;
import java.util.function.Supplier;

/** Waits for a condition that becomes true asynchronously (informer events), within a bound. */
public final class Eventually {

  private Eventually() {}

  /** Returns the last value seen; the caller asserts on it, so a timeout shows what was there. */
  public static <T> T poll(Duration bound, Supplier<T> probe, java.util.function.Predicate<T> done) {
    long deadline = System.nanoTime() + bound.toNanos();
    T value = probe.get();
    while (!done.test(value) && System.nanoTime() < deadline) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return value;
      }
      value = probe.get();
    }
    return value;
  }
}
