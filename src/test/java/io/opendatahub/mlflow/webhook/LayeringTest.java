package io.opendatahub.mlflow.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Decision code stays pure: the packages that decide never import the HTTP framework or the
 * Kubernetes client, so they run (and are tested) without a server or a cluster.
 */
class LayeringTest {

  private static final Path ROOT = Path.of("src/main/java/io/opendatahub/mlflow/webhook");

  @ParameterizedTest
  @ValueSource(strings = {"admission", "mlflow", "policy", "cluster"})
  void decisionPackagesImportNeitherVertxNorTheKubernetesClient(String layer) throws IOException {
    List<String> offending;
    try (Stream<Path> files = Files.walk(ROOT.resolve(layer))) {
      offending = files.filter(f -> f.toString().endsWith(".java"))
          .flatMap(LayeringTest::imports)
          .filter(line -> line.startsWith("import io.vertx")
              || line.startsWith("import io.fabric8.kubernetes.client"))
          .toList();
    }

    assertThat(offending).isEmpty();
  }

  /** The direction of imports is the architecture: no package may reach back to one that uses it. */
  @org.junit.jupiter.api.Test
  void packagesImportEachOtherInOneDirectionOnly() throws IOException {
    java.util.Map<String, java.util.Set<String>> uses = new java.util.TreeMap<>();
    try (Stream<Path> files = Files.walk(ROOT)) {
      files.filter(f -> f.toString().endsWith(".java")).forEach(file -> {
        String from = ROOT.relativize(file.getParent()).toString().replace('/', '.');
        imports(file).map(line -> line.replaceFirst("^import (static )?", ""))
            .filter(line -> line.startsWith("io.opendatahub.mlflow.webhook."))
            .map(line -> line.substring("io.opendatahub.mlflow.webhook.".length()))
            .map(name -> name.substring(0, name.indexOf('.')))
            .filter(to -> !to.equals(from))
            .forEach(to -> uses.computeIfAbsent(from, k -> new java.util.TreeSet<>()).add(to));
      });
    }
    List<String> cycles = new java.util.ArrayList<>();
    for (String start : uses.keySet()) {
      java.util.Deque<List<String>> paths = new java.util.ArrayDeque<>(List.of(List.of(start)));
      java.util.Set<String> seen = new java.util.HashSet<>();
      while (!paths.isEmpty()) {
        List<String> path = paths.pop();
        for (String next : uses.getOrDefault(path.get(path.size() - 1), java.util.Set.of())) {
          List<String> longer = new java.util.ArrayList<>(path);
          longer.add(next);
          if (next.equals(start)) {
            cycles.add(String.join(" -> ", longer));
          } else if (seen.add(next)) {
            paths.push(longer);
          }
        }
      }
    }

    assertThat(cycles).as("package cycles").isEmpty();
  }

  private static Stream<String> imports(Path file) {
    try {
      return Files.readAllLines(file).stream().filter(l -> l.startsWith("import "))
          .map(l -> l + " // " + file.getFileName());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
