package io.opendatahub.mlflow.webhook.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The service started as its own process, writing its log to a file. */
public final class ServiceProcess {

  private static final Pattern SERVING = Pattern.compile("serving HTTPS on port (\\d+)");

  private ServiceProcess() {}

  /** The port from the "serving HTTPS" line, once it is logged; fails with the log if never. */
  public static int awaitPort(Process service, Path log) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      Matcher serving = SERVING.matcher(Files.exists(log) ? Files.readString(log) : "");
      if (serving.find()) {
        return Integer.parseInt(serving.group(1));
      }
      if (!service.isAlive()) {
        break;
      }
      Eventually.pause();
    }
    throw new AssertionError("the service did not serve:\n" + Files.readString(log));
  }
}
