package io.opendatahub.mlflow.webhook.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.admission.AdmissionResponse;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.node.ObjectNode;

/**
 * Every MLflow rule of the shipped policy, in production and in development, as a table of
 * (sample, edit) to the exact findings expected, each as {@code rule:action}.
 */
class MLflowRulesTest {

  private static final Map<String, String> DEVELOPMENT = MLflowRuleCases.DEVELOPMENT;

  private final AdmissionService service = MLflowRuleCases.SERVICE;
  private final DecisionContext cluster = MLflowRuleCases.cluster();

  private static Consumer<ObjectNode> none() {
    return MLflowRuleCases.none();
  }

  private static Consumer<ObjectNode> storage(String size, String mode) {
    return spec -> {
      ObjectNode storage = spec.putObject("storage");
      storage.putArray("accessModes").add(mode);
      storage.putObject("resources").putObject("requests").put("storage", size);
    };
  }

  private static Consumer<ObjectNode> env(String name) {
    return spec -> spec.putArray("env").addObject().put("name", name).put("value", "x");
  }

  private static Consumer<ObjectNode> forbiddenEnv(String name) {
    return spec -> {
      var env = spec.putArray("env");
      env.addObject().put("name", "AWS_DEFAULT_REGION").put("value", "eu-west-1");
      env.addObject().put("name", name).put("value", "true");
    };
  }

  static Stream<Arguments> production() {
    return Stream.of(
        Arguments.of("sqlite sample", "sqlite-dev.yaml", none(), List.of(
            "metadata-store-scheme:deny", "metadata-store-scheme:deny", "artifact-scheme:deny")),
        Arguments.of("remote-storage sample", "remote-storage.yaml", none(), List.of()),
        Arguments.of("inline credentials", "postgres-inline.yaml", none(),
            List.of("inline-credentials:deny")),
        Arguments.of("no backend store", "no-backend.yaml", none(),
            List.of("metadata-store-missing:deny", "storage-required:deny")),
        Arguments.of("sqlite+pysqlite without a volume", "sqlite-no-storage.yaml", none(),
            List.of("metadata-store-scheme:deny", "artifact-scheme:deny", "storage-required:deny")),
        Arguments.of("file:// metadata store", "remote-storage.yaml",
            (Consumer<ObjectNode>) s -> s.put("registryStoreUri", "file:///mlflow/mlruns"),
            List.of("metadata-store-file:deny", "storage-required:deny")),
        Arguments.of("security middleware switched off", "remote-storage.yaml",
            forbiddenEnv("MLFLOW_SERVER_DISABLE_SECURITY_MIDDLEWARE"), List.of("forbidden-env:deny")),
        Arguments.of("harmless env", "remote-storage.yaml", env("MLFLOW_TRACKING_INSECURE_TLS"), List.of()),
        Arguments.of("volume below the minimum", "remote-storage.yaml",
            storage("5Gi", "ReadWriteMany"), List.of("storage-size:deny")),
        Arguments.of("volume above the maximum", "remote-storage.yaml",
            storage("2Ti", "ReadWriteMany"), List.of("storage-size:deny")),
        Arguments.of("volume size that is no quantity", "remote-storage.yaml",
            storage("ten gigs", "ReadWriteMany"), List.of("storage-size:deny")),
        // The bounds exactly (10Gi..1Ti), in bytes, and a byte beyond each.
        Arguments.of("volume at the minimum", "remote-storage.yaml",
            storage("10737418240", "ReadWriteMany"), List.of()),
        Arguments.of("volume a byte below the minimum", "remote-storage.yaml",
            storage("10737418239", "ReadWriteMany"), List.of("storage-size:deny")),
        Arguments.of("volume at the maximum", "remote-storage.yaml",
            storage("1024Gi", "ReadWriteMany"), List.of()),
        Arguments.of("volume a byte above the maximum", "remote-storage.yaml",
            storage("1099511627777", "ReadWriteMany"), List.of("storage-size:deny")),
        Arguments.of("volume of a huge exponent", "remote-storage.yaml",
            storage("1e999999999", "ReadWriteMany"), List.of("storage-size:deny")),
        Arguments.of("volume of a tiny exponent", "remote-storage.yaml",
            storage("1e-999999999", "ReadWriteMany"), List.of("storage-size:deny")),
        Arguments.of("volume in a suffix of the wrong case", "remote-storage.yaml",
            storage("10gi", "ReadWriteMany"), List.of("storage-size:deny")),
        // Longer than QuantityBytes keeps: converted each time, judged the same.
        Arguments.of("volume size written long", "remote-storage.yaml",
            storage("00000000000000000000000000000000000020Gi", "ReadWriteMany"), List.of()),
        Arguments.of("volume size written long, below the minimum", "remote-storage.yaml",
            storage("0000000000000000000000000000000000001Gi", "ReadWriteMany"),
            List.of("storage-size:deny")),
        Arguments.of("two replicas on a ReadWriteOnce volume", "remote-storage.yaml",
            storage("20Gi", "ReadWriteOnce"), List.of("replicas-shared-volume:deny")),
        Arguments.of("two replicas on a ReadWriteMany volume", "remote-storage.yaml",
            storage("20Gi", "ReadWriteMany"), List.of()),
        Arguments.of("artifacts neither served nor rooted", "remote-storage.yaml",
            (Consumer<ObjectNode>) s -> s.put("serveArtifacts", false),
            List.of("artifact-serving:deny")),
        Arguments.of("artifacts in a scheme production does not allow", "remote-storage.yaml",
            (Consumer<ObjectNode>) s -> s.put("artifactsDestination", "gs://bucket/mlflow"),
            List.of("artifact-scheme:deny")),
        Arguments.of("served artifacts on the operator's file default", "remote-storage.yaml",
            (Consumer<ObjectNode>) s -> s.remove("artifactsDestination"),
            List.of("artifact-scheme:deny", "storage-required:deny")));
  }

  static Stream<Arguments> development() {
    return Stream.of(
        Arguments.of("sqlite sample", "sqlite-dev.yaml", none(), List.of()),
        Arguments.of("inline credentials", "postgres-inline.yaml", none(),
            List.of("inline-credentials:warn")),
        Arguments.of("two replicas on one SQLite file", "sqlite-dev.yaml",
            (Consumer<ObjectNode>) s -> s.put("replicas", 2),
            List.of("replicas-shared-volume:deny")),
        Arguments.of("sqlite without a volume", "sqlite-no-storage.yaml", none(),
            List.of("storage-required:deny")),
        Arguments.of("job execution switched on", "sqlite-dev.yaml",
            forbiddenEnv("MLFLOW_SERVER_ENABLE_JOB_EXECUTION"), List.of("forbidden-env:deny")),
        Arguments.of("file artifacts without serving", "sqlite-dev.yaml",
            (Consumer<ObjectNode>) s -> s.put("serveArtifacts", false)
                .put("defaultArtifactRoot", "file:///mlflow/artifacts"),
            List.of("artifact-serving:deny", "artifact-serving:deny")),
        Arguments.of("no volume limits outside production", "sqlite-dev.yaml",
            storage("1Gi", "ReadWriteOnce"), List.of()));
  }

  @ParameterizedTest(name = "production: {0}")
  @MethodSource("production")
  void inProduction(String name, String sample, Consumer<ObjectNode> edit, List<String> expected) {
    assertThat(findings(sample, edit, null)).containsExactlyInAnyOrderElementsOf(expected);
  }

  @ParameterizedTest(name = "development: {0}")
  @MethodSource("development")
  void inDevelopment(String name, String sample, Consumer<ObjectNode> edit, List<String> expected) {
    assertThat(findings(sample, edit, DEVELOPMENT)).containsExactlyInAnyOrderElementsOf(expected);
  }

  static Stream<Arguments> updates() {
    return Stream.of(
        Arguments.of("shrinking the volume", storage("10Gi", "ReadWriteOnce"),
            storage("5Gi", "ReadWriteOnce"), List.of("storage-shrink:deny")),
        Arguments.of("growing the volume", storage("10Gi", "ReadWriteOnce"),
            storage("20Gi", "ReadWriteOnce"), List.of()),
        Arguments.of("changing the access mode", storage("10Gi", "ReadWriteOnce"),
            storage("10Gi", "ReadWriteMany"), List.of("access-mode-change:deny")),
        Arguments.of("switching to another database",
            (Consumer<ObjectNode>) s -> s.put("backendStoreUri", "sqlite:////mlflow/mlflow.db"),
            (Consumer<ObjectNode>) s -> s.put("backendStoreUri", "postgresql://db.example/mlflow"),
            List.of("backend-store-switch:warn", "database-tls:warn")),
        Arguments.of("rotating the database password",
            (Consumer<ObjectNode>) s -> s.put("backendStoreUri", "postgresql://u:old@db/mlflow"),
            (Consumer<ObjectNode>) s -> s.put("backendStoreUri", "postgresql://u:new@db/mlflow"),
            List.of("inline-credentials:warn", "database-tls:warn")),
        Arguments.of("pointing at another Secret",
            (Consumer<ObjectNode>) s -> s.remove("backendStoreUri"),
            (Consumer<ObjectNode>) s -> {
              s.remove("backendStoreUri");
              s.remove("registryStoreUri");
              s.putObject("backendStoreUriFrom").put("name", "other-db").put("key", "uri");
            },
            List.of("backend-store-switch:warn", "database-tls:warn")));
  }

  @ParameterizedTest(name = "update: {0}")
  @MethodSource("updates")
  void onUpdate(String name, Consumer<ObjectNode> before, Consumer<ObjectNode> after,
      List<String> expected) {
    ObjectNode oldCr = Fixtures.mlflow("sqlite-dev.yaml");
    before.accept((ObjectNode) oldCr.get("spec"));
    ObjectNode newCr = oldCr.deepCopy();
    after.accept((ObjectNode) newCr.get("spec"));
    for (ObjectNode cr : List.of(oldCr, newCr)) {
      ((ObjectNode) cr.get("spec")).putObject("workspaceLabelSelector")
          .putPOJO("matchLabels", DEVELOPMENT);
    }

    AdmissionResponse response = service.validate(Fixtures.mlflowReview(newCr).oldObject(oldCr)
        .operation("UPDATE").request(), cluster);

    assertThat(response.findings().stream().map(f -> f.rule() + ":" + f.action().wireName()))
        .containsExactlyInAnyOrderElementsOf(expected);
  }

  private List<String> findings(String sample, Consumer<ObjectNode> edit,
      Map<String, String> servedLabels) {
    return MLflowRuleCases.rules(service.validate(
        Fixtures.mlflowReview(MLflowRuleCases.cr(sample, edit, servedLabels)).request(), cluster));
  }
}
