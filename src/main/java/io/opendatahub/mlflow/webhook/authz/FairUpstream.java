package io.opendatahub.mlflow.webhook.authz;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
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
  }

  private final int maxRunning;
  private final int maxRunningPerCaller;
  private final int maxPerCaller;
  private final LongSupplier nanoTime;
  /** In turn order: the caller served last moves to the end. */
  private final LinkedHashMap<String, Caller> callers = new LinkedHashMap<>();
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

  /** The calls to start now, one per caller per turn, dropping the expired and abandoned. */
  private synchronized List<Map.Entry<String, Call<?>>> take(List<Call<?>> expired) {
    List<Map.Entry<String, Call<?>>> start = new ArrayList<>();
    long now = nanoTime.getAsLong();
    boolean progress = true;
    while (running < maxRunning && progress) {
      progress = false;
      Iterator<Map.Entry<String, Caller>> turns = callers.entrySet().iterator();
      List<String> served = new ArrayList<>();
      while (turns.hasNext() && running < maxRunning) {
        Map.Entry<String, Caller> turn = turns.next();
        Caller queue = turn.getValue();
        Call<?> call = nextLive(queue, now, expired);
        if (call == null) {
          if (queue.running == 0) {
            turns.remove();
          }
          continue;
        }
        queue.running++;
        running++;
        start.add(Map.entry(turn.getKey(), call));
        served.add(turn.getKey());
        progress = true;
      }
      for (String caller : served) {
        Caller queue = callers.remove(caller);
        callers.put(caller, queue);
      }
    }
    return start;
  }

  /** The caller's next call that is still wanted, or null when none may start now. */
  private Call<?> nextLive(Caller queue, long now, List<Call<?>> expired) {
    while (queue.running < maxRunningPerCaller && !queue.waiting.isEmpty()) {
      Call<?> call = queue.waiting.poll();
      if (call.result().isDone()) {
        continue;
      }
      if (now - call.deadline() > 0) {
        expired.add(call);
        continue;
      }
      return call;
    }
    return null;
  }
}
