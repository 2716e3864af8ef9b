package io.opendatahub.mlflow.webhook.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

/**
 * Drops Micrometer's "This Gauge has been already registered" note for Vert.x's own gauges, and
 * only those. vertx-micrometer-metrics 5 looks its gauges up by registering them again for every
 * new connection or request ({@code vertx.http.client.active.connections} for each connection to
 * the API server) and keeps the values in its own table by meter id, so every connection is
 * counted ({@code VertxClientMetricsLogTest}); Micrometer 1.13.9 and later note the second
 * registration, at WARN once per JVM and then at DEBUG (vert-x3/vertx-micrometer-metrics#259,
 * open). The line says nothing is wrong with the service; the note about any other meter stays.
 */
final class VertxGaugeLookupFilter extends TurboFilter {

  static final String LOGGER = "io.micrometer.core.instrument.MeterRegistry";
  static final String VERTX_GAUGE = "This Gauge has been already registered (MeterId{name='vertx.";

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format,
      Object[] params, Throwable t) {
    return format != null && LOGGER.equals(logger.getName()) && format.startsWith(VERTX_GAUGE)
        ? FilterReply.DENY : FilterReply.NEUTRAL;
  }
}
