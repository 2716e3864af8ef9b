package io.opendatahub.mlflow.webhook.policy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The YAML files a location names: the file itself, or a directory's {@code .yaml}/{@code .yml}. */
public final class YamlFiles {

  private YamlFiles() {}

  /**
   * Kubernetes ConfigMap mounts hold {@code ..data} links and dot-directories, so hidden names
   * are skipped; subdirectories are not read.
   */
  public static List<Path> in(Path location) throws IOException {
    if (Files.isRegularFile(location)) {
      return List.of(location);
    }
    if (!Files.isDirectory(location)) {
      throw new NoSuchFileException(location.toString(), null, "no such file or directory");
    }
    try (Stream<Path> entries = Files.list(location)) {
      return entries
          .filter(p -> !p.getFileName().toString().startsWith("."))
          .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
          .filter(Files::isRegularFile)
          .sorted()
          .toList();
    }
  }
}
