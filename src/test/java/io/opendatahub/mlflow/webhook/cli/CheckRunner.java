package io.opendatahub.mlflow.webhook.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Runs the {@code check} command in-process for tests outside this package. */
public final class CheckRunner {

  /** What the command printed and its exit code. */
  public record Outcome(int exitCode, String out, String err) {}

  private CheckRunner() {}

  public static Outcome run(List<String> args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = new CheckCommand().run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Outcome(code, out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8));
  }
}
