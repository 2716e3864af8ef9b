package io.opendatahub.mlflow.webhook.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.jul.LevelChangePropagator;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * The service's logging set-up, in code: reading an XML configuration costs logback about a
 * third of a second of start-up. {@code LOG_FORMAT=json} writes one JSON object per line (for
 * log collectors), otherwise text; {@code LOG_LEVEL} sets the service's own level. A
 * {@code -Dlogback.configurationFile=...} still wins, for those who bring their own.
 *
 * <p>Libraries that log through {@code java.util.logging} or {@code System.Logger} (Caffeine, the
 * JDK) are bridged into logback, so every line has the service's format. Two library loggers are
 * kept to errors: they repeat, with a stack trace, a failure the service already reports in one
 * line (an informer's failed list or watch, see {@code kube.Informers}; a failed access review,
 * which fails closed and is counted and logged by the authorization service). Other warnings
 * with an exception are one line too ({@link ConciseConsoleAppender}). A broken API server then
 * costs one WARN line per informer per retry, not a hundred. Micrometer's note that Vert.x
 * registered one of its gauges again is dropped: it is how Vert.x looks its gauges up
 * ({@link VertxGaugeLookupFilter}).
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class LogConfigurator extends ContextAwareBase implements Configurator {

  static final String PATTERN =
      "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{24} - %msg%n";

  /** Loggers that only repeat failures the service reports itself; see the class comment. */
  static final List<String> REPEATING =
      List.of("io.fabric8.kubernetes.client.informers.impl.cache.Reflector",
          "com.github.benmanes.caffeine.cache.LocalAsyncCache");

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    bridgeJavaUtilLogging(context);
    if (System.getProperty("logback.configurationFile") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    VertxGaugeLookupFilter vertxGauges = new VertxGaugeLookupFilter();
    vertxGauges.setContext(context);
    vertxGauges.start();
    context.addTurboFilter(vertxGauges);
    Map<String, String> env = System.getenv();
    Encoder<ILoggingEvent> encoder = "json".equals(env.get("LOG_FORMAT"))
        ? json(context) : text(context);
    ConsoleAppender<ILoggingEvent> console = new ConciseConsoleAppender();
    console.setContext(context);
    console.setName("console");
    console.setEncoder(encoder);
    console.start();

    context.getLogger("io.opendatahub.mlflow.webhook").setLevel(Level.toLevel(
        env.getOrDefault("LOG_LEVEL", "INFO").toUpperCase(Locale.ROOT), Level.INFO));
    for (String noisy : new String[] {"io.netty", "io.vertx", "io.fabric8"}) {
      context.getLogger(noisy).setLevel(Level.WARN);
    }
    for (String repeating : REPEATING) {
      context.getLogger(repeating).setLevel(Level.ERROR);
    }
    ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.INFO);
    root.addAppender(console);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /**
   * {@code java.util.logging} into SLF4J. The propagator copies logback's levels to JUL's loggers,
   * so a record logback would drop is never even built (the bridge alone costs every disabled
   * JUL call a trip through SLF4J).
   */
  private static void bridgeJavaUtilLogging(LoggerContext context) {
    LevelChangePropagator propagator = new LevelChangePropagator();
    propagator.setContext(context);
    propagator.setResetJUL(true);
    propagator.start();
    context.addListener(propagator);
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
  }

  private static Encoder<ILoggingEvent> text(LoggerContext context) {
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN);
    encoder.start();
    return encoder;
  }

  private static Encoder<ILoggingEvent> json(LoggerContext context) {
    JsonEncoder encoder = new JsonEncoder();
    encoder.setContext(context);
    encoder.setWithContext(false);
    encoder.setWithMessage(false);
    encoder.setWithFormattedMessage(true);
    encoder.setWithMDC(false);
    encoder.setWithArguments(false);
    encoder.setWithSequenceNumber(false);
    encoder.setWithNanoseconds(false);
    encoder.start();
    return encoder;
  }
}
