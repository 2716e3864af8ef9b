package io.opendatahub.mlflow.webhook.testing;

import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.policy.PolicyException;
import io.opendatahub.mlflow.webhook.policy.PolicyLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Policies for tests: the shipped one, or one written from a YAML string. */
public final class TestPolicies {

  /** The directory the service ships; Maven runs tests from the project root. */
  public static final Path SHIPPED = Path.of("policies");

  private TestPolicies() {}

  public static Policy shipped() {
    try {
      return new PolicyLoader().load(SHIPPED);
    } catch (PolicyException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  /** The shipped policy with one line changed, written to {@code directory}. */
  public static Policy shippedWith(Path directory, String line, String replacement) {
    try {
      String shipped = Files.readString(SHIPPED.resolve("policy.yaml"));
      if (!shipped.contains(line)) {
        throw new IllegalArgumentException("the shipped policy has no line '" + line + "'");
      }
      return new PolicyLoader().load(write(directory, "policy.yaml",
          shipped.replace(line, replacement)));
    } catch (IOException | PolicyException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  public static Path write(Path directory, String fileName, String yaml) {
    try {
      Files.createDirectories(directory);
      return Files.writeString(directory.resolve(fileName), yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
