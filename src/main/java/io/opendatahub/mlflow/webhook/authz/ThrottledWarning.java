package io.opendatahub.mlflow.webhook.authz;

import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * One WARN line per interval for a recurring failure, carrying how many more happened since the
 * last line: a flood of failing questions (one caller's, or an API server outage) is visible
 * without writing a line per question. Metrics count every one.
 */
final class ThrottledWarning {

  private final Logger log;
  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private long lastLogged;
  private boolean logged;
  private long suppressed;

  ThrottledWarning(Logger log, long intervalNanos, LongSupplier nanoTime) {
    this.log = log;
    this.intervalNanos = intervalNanos;
    this.nanoTime = nanoTime;
  }

  /** Logs {@code message} with {@code argument}, unless a line went out within the interval. */
  void warn(String message, Object argument) {
    long more;
    synchronized (this) {
      long now = nanoTime.getAsLong();
      if (logged && now - lastLogged < intervalNanos) {
        suppressed++;
        return;
      }
      more = suppressed;
      suppressed = 0;
      lastLogged = now;
      logged = true;
    }
    if (more == 0) {
      log.warn(message, argument);
    } else {
      log.warn(message + " ({} more since the previous warning)", argument, more);
    }
  }
}
