package io.opendatahub.mlflow.webhook.server;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Request body bytes the service holds at once, across all connections. A body is charged
 * before it is read (by its declared length, or the route's limit when none is declared) and
 * released when its answer is sent or its connection closes; a request that does not fit is
 * answered 503 at once instead of being buffered. Large bodies may use only part of the budget,
 * so a flood of them always leaves room for the small reviews the API server usually sends.
 */
final class BodyBudget {

  /** Up to this size a body counts as small; larger ones are also decided off the event loop. */
  static final long SMALL_BODY = 64 * 1024;

  private final long capacity;
  private final long largeCeiling;
  private final AtomicLong used = new AtomicLong();

  /**
   * @param capacity bytes held at most
   * @param keptForSmall part of {@code capacity} that large bodies never take
   */
  BodyBudget(long capacity, long keptForSmall) {
    if (capacity <= keptForSmall || keptForSmall < 0) {
      throw new IllegalArgumentException("capacity " + capacity + " must exceed the share kept"
          + " for small bodies (" + keptForSmall + ")");
    }
    this.capacity = capacity;
    this.largeCeiling = capacity - keptForSmall;
  }

  /**
   * A quarter of the heap, at least two maximum bodies: bodies are held twice at most (the
   * buffer and the decoder's copy), which leaves half the heap to trees, connections and the
   * caches. A quarter of the budget (less when that would not leave room for two maximum bodies)
   * is kept for small bodies.
   */
  static BodyBudget forHeap(long maxHeapBytes, long maxBodyBytes) {
    long capacity = Math.max(maxHeapBytes / 4, 2 * maxBodyBytes + SMALL_BODY);
    return new BodyBudget(capacity, Math.min(capacity / 4, capacity - 2 * maxBodyBytes));
  }

  /** Takes {@code bytes} from the budget; false (and nothing taken) when they do not fit. */
  boolean tryTake(long bytes) {
    long ceiling = bytes > SMALL_BODY ? largeCeiling : capacity;
    while (true) {
      long now = used.get();
      if (now + bytes > ceiling) {
        return false;
      }
      if (used.compareAndSet(now, now + bytes)) {
        return true;
      }
    }
  }

  void give(long bytes) {
    used.addAndGet(-bytes);
  }

  long used() {
    return used.get();
  }

  long capacity() {
    return capacity;
  }
}
