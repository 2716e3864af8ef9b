package io.opendatahub.mlflow.webhook.server;

import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;

/**
 * Each collector's collections and their total time, read from its MXBean when scraped, as
 * {@code jvm_gc_pause_seconds_count} and {@code _sum} tagged {@code gc}. Under the Dockerfile's
 * Serial collector every collection is a pause.
 *
 * <p>Not Micrometer's {@code JvmGcMetrics}: that listens for every collection's notification,
 * for which the JDK describes the collection in open MBean data and the listener reads it back,
 * 0.23 ms of CPU a collection once warm and 0.45 ms over the first 500 (BENCHMARKS.md, issue 19).
 * That ran right after each young pause, on the core the event loop was waiting for, so every
 * pause lasted that much longer for the requests queued behind it. What it alone gave (each
 * pause's cause, the largest pause, bytes allocated and promoted) is not worth that on a webhook
 * the API server waits for.
 */
final class GcPauseMeters implements MeterBinder {

  @Override
  public void bindTo(MeterRegistry registry) {
    for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
      // Either figure is -1 where the JVM does not keep it: counted as none.
      FunctionTimer.builder("jvm.gc.pause", collector,
              gc -> Math.max(0, gc.getCollectionCount()),
              gc -> Math.max(0, gc.getCollectionTime()), TimeUnit.MILLISECONDS)
          .tag("gc", collector.getName())
          .description("Collections by this collector and their time, read when scraped")
          .register(registry);
    }
  }
}
