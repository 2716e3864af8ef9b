package io.opendatahub.mlflow.webhook.kube;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Vert.x instance the Kubernetes client runs on: one event loop, whose thread is named for
 * what it does (thread dumps, profiles), its HTTP calls counted in the service's registry.
 */
final class ClientLoop {

  private static final Logger LOG = LoggerFactory.getLogger(ClientLoop.class);

  static final String THREAD_NAME = "kube-client-eventloop";

  private static final long CLOSE_SECONDS = 10;

  /**
   * Only the client's own meters: the service's Vert.x reports its worker pools, and a second
   * instance's pools under the same names would hide them.
   */
  private static final EnumSet<MetricsDomain> COUNTED =
      EnumSet.of(MetricsDomain.HTTP_CLIENT, MetricsDomain.NET_CLIENT);

  private ClientLoop() {}

  static Vertx create(MeterRegistry registry) {
    MicrometerMetricsOptions metrics = new MicrometerMetricsOptions().setEnabled(true);
    EnumSet.complementOf(COUNTED).forEach(metrics::addDisabledMetricsCategory);
    Vertx vertx = Vertx.builder()
        .with(new VertxOptions().setEventLoopPoolSize(1).setMetricsOptions(metrics))
        .withMetrics(new MicrometerMetricsFactory(registry))
        .build();
    vertx.getOrCreateContext().runOnContext(started -> Thread.currentThread().setName(THREAD_NAME));
    return vertx;
  }

  /** Waits for the loop's connections to close; never on an event loop. */
  static void close(Vertx vertx) {
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(CLOSE_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.warn("the Kubernetes client's Vert.x did not close cleanly: {}", e.toString());
    }
  }
}
