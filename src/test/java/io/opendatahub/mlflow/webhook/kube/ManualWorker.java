package io.opendatahub.mlflow.webhook.kube;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A worker on a clock the test turns: nothing runs until {@link #advance}, which runs what has
 * come due, in due order, on the test's thread. Periodic tasks come back until cancelled. Tasks
 * may be added from any thread (informer events schedule work).
 */
final class ManualWorker implements Worker {

  private final List<Task> tasks = new ArrayList<>();
  private long now;
  private long sequence;
  private int advances;

  private final class Task implements Periodic {
    final Runnable work;
    final long period;
    final long order = sequence++;
    long due;
    boolean cancelled;

    Task(Runnable work, long due, long period) {
      this.work = work;
      this.due = due;
      this.period = period;
    }

    @Override
    public void cancel() {
      synchronized (ManualWorker.this) {
        cancelled = true;
        tasks.remove(this);
      }
    }
  }

  @Override
  public synchronized void after(Duration delay, Runnable task) {
    tasks.add(new Task(task, now + delay.toNanos(), 0));
  }

  @Override
  public synchronized Periodic every(Duration period, Runnable task) {
    Task periodic = new Task(task, now + period.toNanos(), period.toNanos());
    tasks.add(periodic);
    return periodic;
  }

  /** Moves the clock on by {@code time}, running every task that comes due on the way. */
  void advance(Duration time) {
    advances++;
    long until = now + time.toNanos();
    while (true) {
      Task next;
      synchronized (this) {
        next = tasks.stream().filter(t -> t.due <= until)
            .min(Comparator.<Task>comparingLong(t -> t.due).thenComparingLong(t -> t.order))
            .orElse(null);
        if (next == null) {
          now = until;
          break;
        }
        now = next.due;
        tasks.remove(next);
        if (next.period > 0) {
          next.due = now + next.period;
          tasks.add(next);
        }
      }
      next.work.run();
    }
  }

  /** How often the clock was moved on so far. */
  int advances() {
    return advances;
  }

  /** Tasks waiting, periodic ones included. */
  synchronized int waiting() {
    return tasks.size();
  }

  @Override
  public synchronized void close() {
    tasks.clear();
  }
}
