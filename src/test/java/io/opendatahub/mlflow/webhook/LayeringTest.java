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

  private static Stream<String> imports(Path file) {
    try {
      return Files.readAllLines(file).stream().filter(l -> l.startsWith("import "))
          .map(l -> l + " // " + file.getFileName());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
