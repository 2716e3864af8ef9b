package io.opendatahub.mlflow.webhook.reload;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * Runs a check on a daemon thread of its own at a fixed delay. A check that throws is logged and
 * the polling goes on: a scheduled task that throws would otherwise never run again.
 */
public final class Poller implements AutoCloseable {

  private final ScheduledExecutorService scheduler;
  private final Runnable check;
  private final Logger log;

  public Poller(String name, Runnable check, Logger log) {
    this.check = check;
    this.log = log;
    this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    });
  }

  public void start(Duration interval) {
    scheduler.scheduleWithFixedDelay(this::checkSafely, interval.toMillis(), interval.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private void checkSafely() {
    try {
      check.run();
    } catch (RuntimeException e) {
      log.error("check failed unexpectedly; what is in force stays in force", e);
    }
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
