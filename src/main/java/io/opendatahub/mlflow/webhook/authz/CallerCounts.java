package io.opendatahub.mlflow.webhook.authz;

import java.util.concurrent.ConcurrentHashMap;

/**
 * How much of something each caller has in flight, with a ceiling per caller. Callers with
 * nothing in flight take no memory, so a flood of distinct callers leaves nothing behind.
 */
final class CallerCounts {

  private final int limit;
  private final ConcurrentHashMap<String, Integer> counts = new ConcurrentHashMap<>();

  CallerCounts(int limit) {
    this.limit = limit;
  }

  /** Counts one more for {@code caller}; false (and nothing counted) when at the limit. */
  boolean tryEnter(String caller) {
    boolean[] entered = {false};
    counts.compute(caller, (key, count) -> {
      int current = count == null ? 0 : count;
      if (current >= limit) {
        return count;
      }
      entered[0] = true;
      return current + 1;
    });
    return entered[0];
  }

  void leave(String caller) {
    counts.computeIfPresent(caller, (key, count) -> count <= 1 ? null : count - 1);
  }

  int inFlight(String caller) {
    return counts.getOrDefault(caller, 0);
  }
}
