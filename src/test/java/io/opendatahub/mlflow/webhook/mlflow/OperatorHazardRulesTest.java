package io.opendatahub.mlflow.webhook.mlflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.opendatahub.mlflow.webhook.admission.AdmissionResponse;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What admitted before and should not have: credentials outside the store URIs, variables the
 * operator sets itself, trace archival on the volume, fields the operator drops or that change
 * safety, and empty URIs. Each row is (fixture, edit) to the exact findings, {@code rule:action},
 * under the shipped policy.
 */
class OperatorHazardRulesTest {

  private static final Map<String, String> DEVELOPMENT = MLflowRuleCases.DEVELOPMENT;

  private final DecisionContext cluster = MLflowRuleCases.cluster();

  private static Consumer<ObjectNode> none() {
    return MLflowRuleCases.none();
  }

  private static Consumer<ObjectNode> env(String name, String value) {
    return spec -> spec.putArray("env").addObject().put("name", name).put("value", value);
  }

  private static Consumer<ObjectNode> envFromPrefix(String prefix) {
    return spec -> spec.putArray("envFrom").addObject().put("prefix", prefix)
        .putObject("secretRef").put("name", "extra");
  }

  private static Consumer<ObjectNode> inlineBackend(String uri) {
    return spec -> {
      spec.remove("backendStoreUriFrom");
      spec.put("backendStoreUri", uri);
    };
  }

  private static Consumer<ObjectNode> storage(Consumer<ObjectNode> extra) {
    return spec -> {
      ObjectNode storage = spec.putObject("storage");
      storage.putArray("accessModes").add("ReadWriteMany");
      storage.putObject("resources").putObject("requests").put("storage", "20Gi");
      extra.accept(storage);
    };
  }

  static Stream<Arguments> production() {
    return Stream.of(
        // Credentials outside the store URIs.
        Arguments.of("secret key and database URI typed into env", "env-credentials.yaml", none(),
            List.of("inline-credentials:deny", "inline-credentials:deny")),
        Arguments.of("a password variable with a literal value", "remote-storage.yaml",
            env("MLFLOW_TRACKING_PASSWORD", "hunter2"), List.of("inline-credentials:deny")),
        Arguments.of("a token variable with a literal value", "remote-storage.yaml",
            env("HF_TOKEN", "hf_abc"), List.of("inline-credentials:deny")),
        Arguments.of("an API key variable with a literal value", "remote-storage.yaml",
            env("OPENAI_API_KEY", "sk-abc"), List.of("inline-credentials:deny")),
        Arguments.of("libpq's password variable", "remote-storage.yaml",
            env("PGPASSWORD", "pw"), List.of("inline-credentials:deny")),
        Arguments.of("a URI with a password inside a longer value", "remote-storage.yaml",
            env("EXTRA_ARGS", "--db mysql://root:pw@db/x --fast"), List.of("inline-credentials:deny")),
        Arguments.of("a secret variable from valueFrom", "remote-storage.yaml",
            (Consumer<ObjectNode>) s -> s.putArray("env").addObject()
                .put("name", "AWS_SECRET_ACCESS_KEY").putObject("valueFrom")
                .putObject("secretKeyRef").put("name", "aws").put("key", "secret"),
            List.of()),
        Arguments.of("a secret variable that references another variable", "remote-storage.yaml",
            env("DB_PASSWORD", "$(PGPASSWORD_FROM_SECRET)"), List.of()),
        Arguments.of("a harmless variable", "remote-storage.yaml",
            env("MLFLOW_LOGGING_LEVEL", "DEBUG"), List.of()),
        Arguments.of("?password= in a store URI's query", "remote-storage.yaml",
            inlineBackend("postgresql://db.example/mlflow?user=mlflow&password=pw&sslmode=verify-full"),
            List.of("inline-credentials:deny")),
        Arguments.of("a SAS signature in an artifact URI's query", "remote-storage.yaml",
            (Consumer<ObjectNode>) s -> s.put("defaultArtifactRoot", "s3://bucket/runs?sig=abc"),
            List.of("inline-credentials:deny")),
        Arguments.of("a password SQLAlchemy reads though the URI grammar would not",
            "remote-storage.yaml", inlineBackend("postgresql://mlflow:pa/ss@db/mlflow?sslmode=verify-full"),
            List.of("inline-credentials:deny")),
        // Variables the operator sets.
        Arguments.of("store, TLS and envFrom-prefix overrides", "operator-env.yaml", none(),
            List.of("inline-credentials:deny", "operator-managed-env:deny",
                "operator-managed-env:deny", "operator-managed-env:deny",
                "metadata-store-scheme:deny", "metadata-store-scheme:deny", "artifact-scheme:deny")),
        Arguments.of("an envFrom prefix that could yield a forbidden variable",
            "remote-storage.yaml", envFromPrefix("MLFLOW_SERVER_"),
            List.of("operator-managed-env:deny")),
        Arguments.of("an envFrom prefix no operator variable starts with", "remote-storage.yaml",
            envFromPrefix("TEAM_"), List.of()),
        Arguments.of("an envFrom prefix that is a whole operator variable name",
            "remote-storage.yaml", envFromPrefix("PGSSLMODE"), List.of()),
        // Trace archival.
        Arguments.of("trace archival on the pod's volume", "trace-archival-file.yaml", none(),
            List.of("artifact-scheme:deny", "storage-required:deny")),
        Arguments.of("trace archival on S3", "trace-archival-file.yaml",
            (Consumer<ObjectNode>) s -> ((ObjectNode) s.get("traceArchival"))
                .put("location", "s3://mlflow-trace-archive"), List.of()),
        Arguments.of("trace archival switched off", "trace-archival-file.yaml",
            (Consumer<ObjectNode>) s -> ((ObjectNode) s.get("traceArchival")).put("enabled", false),
            List.of()),
        Arguments.of("a password in the trace archival location", "trace-archival-file.yaml",
            (Consumer<ObjectNode>) s -> ((ObjectNode) s.get("traceArchival"))
                .put("location", "s3://key:pw@minio.example/traces"),
            List.of("inline-credentials:deny")),
        // Fields the operator drops or that change safety.
        Arguments.of("a volume restored from a snapshot", "restore-from-snapshot.yaml", none(),
            List.of("storage-data-source:deny", "metadata-store-scheme:deny",
                "metadata-store-scheme:deny", "artifact-scheme:deny")),
        Arguments.of("a volume bound to an existing PV", "remote-storage.yaml",
            storage(st -> st.put("volumeName", "pv-mlflow-old")), List.of("storage-data-source:deny")),
        Arguments.of("a PVC selector and limits the operator drops", "remote-storage.yaml",
            storage(st -> {
              st.putObject("selector").putObject("matchLabels").put("tier", "fast");
              ((ObjectNode) st.get("resources")).putObject("limits").put("storage", "40Gi");
            }),
            List.of("storage-ignored-field:warn", "storage-ignored-field:warn")),
        Arguments.of("a second access mode the operator drops", "remote-storage.yaml",
            storage(st -> ((ArrayNode) st.get("accessModes")).add("ReadWriteOnce")),
            List.of("storage-ignored-field:warn")),
        Arguments.of("custom image migrated on every change, unbounded GC, optional Secret",
            "maintenance-jobs.yaml", none(), List.of("migration-always-custom-image:warn",
                "garbage-collection:warn", "store-secret-optional:deny")),
        Arguments.of("the operator's image migrated on every change", "maintenance-jobs.yaml",
            (Consumer<ObjectNode>) s -> {
              s.remove("image");
              s.remove("garbageCollection");
              ((ObjectNode) s.get("backendStoreUriFrom")).put("optional", false);
            },
            List.of()),
        Arguments.of("a database Secret without a CA bundle", "remote-storage.yaml",
            (Consumer<ObjectNode>) s -> s.remove("caBundleConfigMap"), List.of("database-tls:warn")),
        Arguments.of("sslmode=require overriding the CA bundle", "remote-storage.yaml",
            inlineBackend("postgresql://db.example/mlflow?sslmode=require"),
            List.of("database-tls:warn")),
        Arguments.of("sslmode=verify-full without a CA bundle", "remote-storage.yaml",
            (Consumer<ObjectNode>) s -> {
              inlineBackend("postgresql://db.example/mlflow?sslmode=verify-full").accept(s);
              s.remove("caBundleConfigMap");
            },
            List.of()),
        Arguments.of("MySQL without a CA bundle", "remote-storage.yaml",
            (Consumer<ObjectNode>) s -> {
              inlineBackend("mysql+pymysql://db.example/mlflow").accept(s);
              s.remove("caBundleConfigMap");
            },
            List.of("database-tls:warn")),
        // Empty URIs.
        Arguments.of("empty backend store and artifact destination", "empty-uris.yaml", none(),
            List.of("empty-uri:deny", "empty-uri:deny")),
        Arguments.of("an empty default artifact root", "remote-storage.yaml",
            (Consumer<ObjectNode>) s -> s.put("defaultArtifactRoot", ""),
            List.of("empty-uri:deny")),
        Arguments.of("an empty trace archival location", "trace-archival-file.yaml",
            (Consumer<ObjectNode>) s -> ((ObjectNode) s.get("traceArchival")).put("location", ""),
            List.of("empty-uri:deny")));
  }

  static Stream<Arguments> development() {
    return Stream.of(
        Arguments.of("secret key and database URI typed into env", "env-credentials.yaml", none(),
            List.of("inline-credentials:warn", "inline-credentials:warn")),
        Arguments.of("store, TLS and envFrom-prefix overrides", "operator-env.yaml", none(),
            List.of("inline-credentials:warn", "operator-managed-env:deny",
                "operator-managed-env:deny", "operator-managed-env:deny")),
        Arguments.of("trace archival on the pod's volume", "trace-archival-file.yaml", none(),
            List.of("storage-required:deny")),
        Arguments.of("a volume restored from a snapshot", "restore-from-snapshot.yaml", none(),
            List.of("storage-data-source:deny")),
        Arguments.of("empty backend store and artifact destination", "empty-uris.yaml", none(),
            List.of("empty-uri:deny", "empty-uri:deny")));
  }

  @ParameterizedTest(name = "production: {0}")
  @MethodSource("production")
  void inProduction(String name, String fixture, Consumer<ObjectNode> edit, List<String> expected) {
    assertThat(rules(validate(fixture, edit, null))).containsExactlyInAnyOrderElementsOf(expected);
  }

  @ParameterizedTest(name = "development: {0}")
  @MethodSource("development")
  void inDevelopment(String name, String fixture, Consumer<ObjectNode> edit,
      List<String> expected) {
    assertThat(rules(validate(fixture, edit, DEVELOPMENT)))
        .containsExactlyInAnyOrderElementsOf(expected);
  }

  /** The operator's chart sets each of these (names from its deployment template). */
  @ParameterizedTest
  @ValueSource(strings = {"MLFLOW_BACKEND_STORE_URI", "MLFLOW_REGISTRY_STORE_URI",
      "MLFLOW_READ_REPLICA_BACKEND_STORE_URI", "MLFLOW_K8S_AUTH_AUTHORIZATION_MODE",
      "MLFLOW_K8S_WORKSPACE_LABEL_SELECTOR", "MLFLOW_TRACE_ARCHIVAL_CONFIG", "MLFLOW_S3_IGNORE_TLS",
      "MLFLOW_SERVER_CORS_ALLOWED_ORIGINS", "MLFLOW_DISABLE_TELEMETRY", "MLFLOW_MYSQL_CA",
      "PGSSLMODE", "PGSSLROOTCERT", "AWS_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
      "SSL_CERT_FILE"})
  void everyVariableTheOperatorSetsIsRefusedWithTheFieldToUseInstead(String name) {
    AdmissionResponse response = validate("remote-storage.yaml", env(name, "x"), null);

    assertThat(rules(response)).containsExactly("operator-managed-env:deny");
    assertThat(response.message()).startsWith("spec.env[0].name: " + name + " is set by the"
        + " operator").contains("Remove this entry");
  }

  @Test
  void theTwoVariablesThatSwitchOffProtectionsStayUnderForbiddenEnv() {
    for (String name : List.of("MLFLOW_SERVER_DISABLE_SECURITY_MIDDLEWARE",
        "MLFLOW_SERVER_ENABLE_JOB_EXECUTION")) {
      assertThat(rules(validate("remote-storage.yaml", env(name, "true"), null)))
          .containsExactly("forbidden-env:deny");
    }
  }

  @Test
  void messagesNameTheFieldAndTheFix() {
    assertThat(validate("operator-env.yaml", none(), null).message())
        .contains("spec.env[2].name: PGSSLMODE is set by the operator; a second entry breaks its"
            + " server-side apply or silently overrides it. Remove this entry and set"
            + " spec.caBundleConfigMap.")
        .contains("spec.envFrom[0].prefix: 'MLFLOW_' could yield operator-managed")
        .contains("(e.g. MLFLOW_BACKEND_STORE_URI from a key named BACKEND_STORE_URI)");
    assertThat(validate("restore-from-snapshot.yaml", none(), DEVELOPMENT).message())
        .isEqualTo("spec.storage.dataSource: the operator drops storage.dataSource (it keeps only"
            + " the size, the class and the first access mode), so the PVC starts empty instead"
            + " of holding the data it names. Restore the data into the operator's PVC mlflow-pvc"
            + " yourself (e.g. a Job copying from a volume made from the snapshot), then remove"
            + " storage.dataSource.");
    assertThat(validate("empty-uris.yaml", none(), null).message())
        .startsWith("spec.backendStoreUri: is empty. Set a URI, or remove the field");
    assertThat(validate("maintenance-jobs.yaml", none(), null).warnings())
        .anySatisfy(w -> assertThat(w).startsWith("spec.garbageCollection: permanently deletes")
            .contains("Set garbageCollection.olderThan"));
  }

  /** Values of any size are read in linear time: a hang here would hold the API server's write. */
  @Test
  void aHugeEnvValueOrUriIsJudgedWithoutHanging() {
    // The decoder reads strings of up to 1 MiB: the longest value below is two of these.
    String letters = "a".repeat(500_000);
    Consumer<ObjectNode> edit = spec -> {
      ArrayNode env = spec.putArray("env");
      env.addObject().put("name", "HUGE_TOKEN").put("value", letters);
      env.addObject().put("name", "HUGE").put("value", letters + "://u:" + letters + "@h");
      env.addObject().put("name", "QUERY").put("value", "s3://b/x?" + letters);
      spec.putArray("envFrom").addObject().put("prefix", letters);
      spec.put("defaultArtifactRoot", "postgresql://" + letters + ":" + letters);
    };

    List<String> found = assertTimeoutPreemptively(Duration.ofSeconds(60),
        () -> rules(validate("remote-storage.yaml", edit, null)));

    assertThat(found).contains("inline-credentials:deny");
  }

  private AdmissionResponse validate(String fixture, Consumer<ObjectNode> edit,
      Map<String, String> servedLabels) {
    return MLflowRuleCases.SERVICE.validate(
        Fixtures.mlflowReview(MLflowRuleCases.cr(fixture, edit, servedLabels)).request(), cluster);
  }

  private static List<String> rules(AdmissionResponse response) {
    return MLflowRuleCases.rules(response);
  }
}
