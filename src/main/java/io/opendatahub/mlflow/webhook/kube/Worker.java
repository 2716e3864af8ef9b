package io.opendatahub.mlflow.webhook.kube;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Where the reconciler's work runs: one thread, never an event loop, so reconciles of the same
 * account never overlap. An interface so tests can run the work on a clock they turn themselves.
 */
interface Worker extends AutoCloseable {

  /** Runs {@code task} once, after {@code delay}. Ignored once the worker is closed. */
  void after(Duration delay, Runnable task);

  /** Runs {@code task} every {@code period}, the first time one period from now. */
  Periodic every(Duration period, Runnable task);

  /** Stops the thread; tasks not yet run never run. */
  @Override
  void close();

  /** A task that runs every period until cancelled. */
  interface Periodic {
    void cancel();
  }

  /** A worker with one daemon thread named {@code name}. */
  static Worker thread(String name) {
    ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    });
    return new Worker() {
      @Override
      public void after(Duration delay, Runnable task) {
        try {
          executor.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
          // An informer event that raced close(): there is nothing left to do it for.
        }
      }

      @Override
      public Periodic every(Duration period, Runnable task) {
        ScheduledFuture<?> future = executor.scheduleWithFixedDelay(task, period.toMillis(),
            period.toMillis(), TimeUnit.MILLISECONDS);
        return () -> future.cancel(false);
      }

      @Override
      public void close() {
        executor.shutdownNow();
      }
    };
  }
}
