package io.opendatahub.mlflow.webhook.cli;

import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;

/**
 * Runs a graceful stop on SIGTERM (what Kubernetes sends) or SIGINT, then exits 0. A plain
 * shutdown hook would do the same work, but the JVM then exits 143, which reads as a crash.
 */
final class StopOnSignal {

  private StopOnSignal() {}

  static void install(Runnable stop) {
    AtomicBoolean stopping = new AtomicBoolean();
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(name), signal -> {
        if (stopping.compareAndSet(false, true)) {
          Thread thread = new Thread(() -> {
            stop.run();
            System.exit(0);
          }, "graceful-stop");
          thread.start();
        }
      });
    }
  }
}
