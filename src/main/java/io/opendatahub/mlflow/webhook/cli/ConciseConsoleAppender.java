package io.opendatahub.mlflow.webhook.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.ConsoleAppender;

/**
 * The console, where a library's complaint with an exception (the Kubernetes client's leader
 * election retrying against an unreachable API server every two seconds, or failing to release
 * its lease on shutdown) is one line: the message and the exception's outermost and innermost
 * cause, not a stack trace of fifty lines. The service's own errors (bugs, by definition) and
 * anything a logger set to DEBUG writes keep their stack traces.
 */
final class ConciseConsoleAppender extends ConsoleAppender<ILoggingEvent> {

  private static final int MAX_CAUSE = 200;
  private static final String SERVICE = "io.opendatahub.mlflow.webhook.";

  @Override
  protected void append(ILoggingEvent event) {
    super.append(concise(event) ? oneLine(event) : event);
  }

  private boolean concise(ILoggingEvent event) {
    if (event.getThrowableProxy() == null
        || ((LoggerContext) getContext()).getLogger(event.getLoggerName()).isDebugEnabled()) {
      return false;
    }
    boolean ownError = event.getLoggerName().startsWith(SERVICE)
        && event.getLevel().isGreaterOrEqual(Level.ERROR);
    return !ownError;
  }

  private static ILoggingEvent oneLine(ILoggingEvent event) {
    LoggingEvent line = new LoggingEvent();
    line.setLoggerContextRemoteView(event.getLoggerContextVO());
    line.setLoggerName(event.getLoggerName());
    line.setLevel(event.getLevel());
    line.setThreadName(event.getThreadName());
    line.setInstant(event.getInstant());
    line.setMDCPropertyMap(event.getMDCPropertyMap());
    line.setMessage(event.getFormattedMessage() + " (" + causes(event.getThrowableProxy()) + ")");
    return line;
  }

  /** "Outer: message; cause: Inner: message", each cut short, on one line. */
  static String causes(IThrowableProxy outer) {
    IThrowableProxy inner = outer;
    while (inner.getCause() != null && inner.getCause() != inner) {
      inner = inner.getCause();
    }
    return inner == outer ? describe(outer)
        : describe(outer) + "; cause: " + describe(inner);
  }

  private static String describe(IThrowableProxy throwable) {
    String name = throwable.getClassName().substring(throwable.getClassName().lastIndexOf('.') + 1);
    String text = (throwable.getMessage() == null ? name : name + ": " + throwable.getMessage())
        .replaceAll("\\s+", " ");
    return text.length() <= MAX_CAUSE ? text : text.substring(0, MAX_CAUSE) + "...";
  }
}
