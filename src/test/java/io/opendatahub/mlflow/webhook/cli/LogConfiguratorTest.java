package io.opendatahub.mlflow.webhook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.opendatahub.mlflow.webhook.testing.LogCapture;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Library logging reaches the service's own log set-up, whatever API the library uses. */
class LogConfiguratorTest {

  static {
    LoggerFactory.getLogger(LogConfiguratorTest.class); // logback, and so the bridge, set up
  }

  @Test
  void javaUtilLoggingAndSystemLoggerGoThroughLogback() {
    try (LogCapture log = new LogCapture("some.library", Level.INFO)) {
      java.util.logging.Logger.getLogger("some.library.Jul").warning("from jul");
      System.getLogger("some.library.Platform").log(System.Logger.Level.WARNING, "from platform");

      assertThat(log.lines()).containsExactly("WARN from jul", "WARN from platform");
    }
  }

  @Test
  void theCachesRepeatOfAFailedLoadIsKeptToErrors() {
    try (LogCapture log = new LogCapture("com.github.benmanes", Level.INFO)) {
      // Caffeine's own logger name and level for a failed asynchronous load.
      System.getLogger("com.github.benmanes.caffeine.cache.LocalAsyncCache")
          .log(System.Logger.Level.WARNING, "Exception thrown during asynchronous load",
              new IllegalStateException("upstream down"));

      assertThat(log.lines()).isEmpty();
    }
  }
}
