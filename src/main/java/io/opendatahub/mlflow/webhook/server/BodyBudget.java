package io.opendatahub.mlflow.webhook.server;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Heap the service spends on request bodies at once, across all connections. A body is charged
 * before it is read (by its declared length, or the route's limit when none is declared), twice:
 * it is held as the received buffer and as the decoder's copy. It is released when its answer is
 * sent or its connection closes, and not before work still reading it off the event loop is done
 * (see {@link Exchange#readOffLoop}); a request that does not fit is answered 503 at once instead of
 * being buffered. Large bodies may use only part of the budget, so a flood of them always leaves
 * room for the small reviews the API server usually sends.
 */
final class BodyBudget {

  /** Up to this size a body counts as small; larger ones are also decided off the event loop. */
  static final long SMALL_BODY = 64 * 1024;

  /** Copies of a body the service holds at most: the received buffer and the decoder's. */
  static final int COPIES = 2;

  private final long capacity;
  private final long largeCeiling;
  private final AtomicLong used = new AtomicLong();

  /**
   * @param capacity heap bytes held at most
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
   * A quarter of the heap, at least room for two maximum bodies: the rest of the heap is left to
   * decoded reviews (bounded by the decoder's limits), connections and the caches. A quarter of
   * the budget (less when that would not leave room for two maximum bodies) is kept for small
   * bodies.
   */
  static BodyBudget forHeap(long maxHeapBytes, long maxBodyBytes) {
    long twoMaximum = 2 * COPIES * maxBodyBytes;
    long capacity = Math.max(maxHeapBytes / 4, twoMaximum + COPIES * SMALL_BODY);
    return new BodyBudget(capacity, Math.min(capacity / 4, capacity - twoMaximum));
  }

  /** Charges a body of {@code bodyBytes}; false (and nothing charged) when it does not fit. */
  boolean tryTake(long bodyBytes) {
    long ceiling = bodyBytes > SMALL_BODY ? largeCeiling : capacity;
    long charge = COPIES * bodyBytes;
    while (true) {
      long now = used.get();
      if (now + charge > ceiling) {
        return false;
      }
      if (used.compareAndSet(now, now + charge)) {
        return true;
      }
    }
  }

  /** Releases what {@link #tryTake} charged for a body of {@code bodyBytes}. */
  void give(long bodyBytes) {
    used.addAndGet(-COPIES * bodyBytes);
  }

  long used() {
    return used.get();
  }

  long capacity() {
    return capacity;
  }
}
