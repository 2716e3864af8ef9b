package io.opendatahub.mlflow.webhook.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** Collects what the service logs below a package, at a chosen level, while a test runs. */
public final class LogCapture implements AutoCloseable {

  private final Logger logger;
  private final Level previous;
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  public LogCapture(String loggerName, Level level) {
    this.logger = (Logger) LoggerFactory.getLogger(loggerName);
    this.previous = logger.getLevel();
    appender.start();
    logger.addAppender(appender);
    logger.setLevel(level);
  }

  /** Formatted messages, with any exception's messages appended. */
  public List<String> lines() {
    return appender.list.stream().map(event -> event.getLevel() + " " + event.getFormattedMessage()
        + (event.getThrowableProxy() == null ? "" : " " + event.getThrowableProxy().getMessage()))
        .toList();
  }

  public String text() {
    return String.join("\n", lines());
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    logger.setLevel(previous);
  }
}
