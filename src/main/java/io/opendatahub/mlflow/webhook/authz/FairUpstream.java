package io.opendatahub.mlflow.webhook.authz;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Upstream calls shared fairly among callers. At most {@code maxRunning} calls run at once; the
 * rest wait in one queue per caller, and the queues take turns, so a caller with a thousand
 * questions waiting delays another caller's question by one call, not by a thousand. A caller
 * may run at most {@code maxRunningPerCaller} calls and have at most {@code maxPerCaller} calls
 * running or waiting; beyond that its calls fail at once ({@link RejectedExecutionException}).
 * A call whose deadline passed while it waited, or whose result was already given up on (timed
 * out, cancelled), is dropped instead of run.
 *
 * <p>No threads of its own: calls start on the thread that submits or that completes an earlier
 * call, and return futures.
 */
final class FairUpstream {

  /** Why a caller's call was refused. */
  static final class CallerBusy extends RejectedExecutionException {
    CallerBusy(int limit) {
      super("this caller already has " + limit + " access reviews running or waiting");
    }

    /** Thrown by the thousand in a flood, and its stack says nothing: none is recorded. */
    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }

  private record Call<T>(Supplier<CompletableFuture<T>> start, CompletableFuture<T> result,
      long deadline) {

    void run(Runnable done) {
      CompletableFuture<T> started;
      try {
        started = start.get();
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
        done.run();
        return;
      }
      started.whenComplete((value, failure) -> {
        if (failure != null) {
          result.completeExceptionally(failure);
        } else {
          result.complete(value);
        }
        done.run();
      });
    }
  }

  private static final class Caller {
    final ArrayDeque<Call<?>> waiting = new ArrayDeque<>();
    int running;
    /** When the caller last got a turn; 0 for one that never had one. */
    long lastTurn;
  }

  private final int maxRunning;
  private final int maxRunningPerCaller;
  private final int maxPerCaller;
  private final LongSupplier nanoTime;
  private final HashMap<String, Caller> callers = new HashMap<>();
  private long turns;
  private final AtomicInteger pendingDrains = new AtomicInteger();
  private int running;

  FairUpstream(int maxRunning, int maxRunningPerCaller, int maxPerCaller, LongSupplier nanoTime) {
    this.maxRunning = maxRunning;
    this.maxRunningPerCaller = maxRunningPerCaller;
    this.maxPerCaller = maxPerCaller;
    this.nanoTime = nanoTime;
  }

  /**
   * Runs {@code start} when it is {@code caller}'s turn, unless {@code deadline} (in
   * {@code nanoTime}) has passed by then.
   */
  <T> CompletableFuture<T> submit(String caller, long deadline,
      Supplier<CompletableFuture<T>> start) {
    CompletableFuture<T> result = new CompletableFuture<>();
    synchronized (this) {
      Caller queue = callers.computeIfAbsent(caller, ignored -> new Caller());
      if (queue.running + queue.waiting.size() >= maxPerCaller) {
        return CompletableFuture.failedFuture(new CallerBusy(maxPerCaller));
      }
      queue.waiting.add(new Call<>(start, result, deadline));
    }
    drain();
    return result;
  }

  /** Calls running now, for tests and metrics. */
  synchronized int running() {
    return running;
  }

  /**
   * Starts what may start. One thread drains at a time; a call that completes at once (a local
   * decision) asks for another pass instead of recursing.
   */
  private void drain() {
    if (pendingDrains.getAndIncrement() != 0) {
      return;
    }
    int missed = 1;
    while (true) {
      List<Call<?>> expired = new ArrayList<>();
      List<Map.Entry<String, Call<?>>> ready = take(expired);
      // Completed outside the lock: completing runs the callers' continuations.
      expired.forEach(call -> call.result().completeExceptionally(new TimeoutException(
          "the deadline passed while the call waited for its turn")));
      for (Map.Entry<String, Call<?>> next : ready) {
        String caller = next.getKey();
        next.getValue().run(() -> finished(caller));
      }
      missed = pendingDrains.addAndGet(-missed);
      if (missed == 0) {
        return;
      }
    }
  }

  private void finished(String caller) {
    synchronized (this) {
      running--;
      Caller queue = callers.get(caller);
      queue.running--;
      if (queue.running == 0 && queue.waiting.isEmpty()) {
        callers.remove(caller);
      }
    }
    drain();
  }

  /**
   * The calls to start now: each goes to the caller whose last turn is longest ago (a caller
   * that just arrived first), dropping the expired and abandoned on the way.
   */
  private synchronized List<Map.Entry<String, Call<?>>> take(List<Call<?>> expired) {
    List<Map.Entry<String, Call<?>>> start = new ArrayList<>();
    long now = nanoTime.getAsLong();
    while (running < maxRunning) {
      Map.Entry<String, Caller> next = null;
      Iterator<Map.Entry<String, Caller>> all = callers.entrySet().iterator();
      while (all.hasNext()) {
        Map.Entry<String, Caller> candidate = all.next();
        Caller queue = candidate.getValue();
        if (!hasLive(queue, now, expired)) {
          if (queue.running == 0) {
            all.remove();
          }
          continue;
        }
        if (queue.running < maxRunningPerCaller
            && (next == null || queue.lastTurn < next.getValue().lastTurn)) {
          next = candidate;
        }
      }
      if (next == null) {
        break;
      }
      Caller queue = next.getValue();
      queue.running++;
      queue.lastTurn = ++turns;
      running++;
      start.add(Map.entry(next.getKey(), queue.waiting.poll()));
    }
    return start;
  }

  /** Whether the caller has a call still wanted at the head of its queue. */
  private static boolean hasLive(Caller queue, long now, List<Call<?>> expired) {
    while (!queue.waiting.isEmpty()) {
      Call<?> call = queue.waiting.peek();
      if (call.result().isDone()) {
        queue.waiting.poll();
      } else if (now - call.deadline() > 0) {
        expired.add(queue.waiting.poll());
      } else {
        return true;
      }
    }
    return false;
  }
}
