package io.opendatahub.mlflow.webhook.mlflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.opendatahub.mlflow.webhook.admission.AdmissionResponse;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The MLflow rules against what an in-cluster caller or a careless admin can send: floods of
 * entries that each make a finding, megabyte fields quoted in messages, secrets in URI shapes
 * the redaction did not expect, and values that only look like secrets. The answer must stay
 * small (the API server drops large warnings; every copy is logged and audited), secret-free
 * and right. Hang guards are generous; they catch blow-ups, they do not time anything.
 */
class HostileRuleInputTest {

  /** Far more than any honest answer needs, far less than one finding per flooded entry. */
  private static final int ANSWER_BOUND = 16 * 1024;
  private static final Duration HANG_GUARD = Duration.ofSeconds(30);

  @TempDir Path dir;

  private final DecisionContext cluster = MLflowRuleCases.cluster();

  @Test
  void aFloodOfEnvFromPrefixesGetsAShortDenial() {
    Consumer<ObjectNode> edit = spec -> {
      ArrayNode envFrom = spec.putArray("envFrom");
      // As many as the decoder reads (250,000 tokens per review).
      for (int i = 0; i < 25_000; i++) {
        envFrom.addObject().put("prefix", "M").putObject("secretRef").put("name", "s" + i);
      }
    };

    AdmissionResponse response = assertTimeoutPreemptively(HANG_GUARD,
        () -> validate(edit, cluster));

    assertThat(response.allowed()).isFalse();
    assertThat(response.message()).hasSizeLessThan(ANSWER_BOUND)
        .contains("spec.envFrom[0].prefix: 'M' could yield operator-managed")
        .contains("24990 more operator-managed-env findings are not listed");
  }

  /** Under audit every finding of a rule lands in one annotation: it must not grow per entry. */
  @ParameterizedTest
  @ValueSource(strings = {"deny", "warn", "audit"})
  void aFloodOfSecretLookingVariablesGetsAShortAnswerUnderEveryAction(String action) {
    DecisionContext context = context(action);
    Consumer<ObjectNode> edit = spec -> {
      ArrayNode env = spec.putArray("env");
      for (int i = 0; i < 20_000; i++) {
        env.addObject().put("name", "TEAM_" + i + "_TOKEN").put("value", "literal-" + i);
      }
    };

    AdmissionResponse response = assertTimeoutPreemptively(HANG_GUARD,
        () -> validate(edit, context));

    assertThat(said(response)).hasSizeLessThan(ANSWER_BOUND)
        .contains("spec.env[0].value: TEAM_0_TOKEN is named like a credential")
        .contains("19990 more inline-credentials findings are not listed")
        .doesNotContain("literal-");
    assertThat(response.findings()).hasSize(11);
  }

  @Test
  void megabyteFieldsAreQuotedShort() {
    // Half the longest string the decoder reads: two of them make the longest value below.
    String huge = "x".repeat(1 << 19);
    Consumer<ObjectNode> edit = spec -> {
      spec.putObject("migration").put("mode", "Always");
      spec.putObject("image").put("image", "quay.io/team/mlflow:" + huge);
      spec.putObject("garbageCollection").put("schedule", huge).put("olderThan", huge);
      spec.remove("backendStoreUriFrom");
      spec.remove("caBundleConfigMap");
      spec.put("backendStoreUri", "postgresql://db.example/" + huge);
      spec.putArray("env").addObject().put("name", huge + "_PASSWORD").put("value", "pw");
    };

    AdmissionResponse response = validate(edit, context("warn"));

    assertThat(MLflowRuleCases.rules(response)).contains("migration-always-custom-image:warn",
        "garbage-collection:warn", "database-tls:warn", "inline-credentials:warn");
    assertThat(said(response)).hasSizeLessThan(ANSWER_BOUND)
        .contains("quay.io/team/mlflow:xxx").contains("... (cut)");
  }

  /**
   * Shapes the redaction missed: a key libpq and SQLAlchemy decode, a '#' inside a query
   * password, a user holding '@' before a password holding '/', a scheme SQLAlchemy's grammar
   * rejects. Each URI gets a message for another reason (TLS, scheme), which must not carry it.
   */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "backendStoreUri | postgresql://db.example/mlflow?pass%77ord=s3cr3t",
    "backendStoreUri | postgresql://db.example/mlflow?password=s3#cr3t",
    "backendStoreUri | postgresql://mlflow@team:s3/cr3t@db.example/mlflow",
    "defaultArtifactRoot | my-store://key:s3/cr3t@files.example/runs",
  })
  void noSecretShapeReachesAMessage(String field, String uri) {
    Consumer<ObjectNode> edit = spec -> {
      spec.remove("backendStoreUriFrom");
      spec.remove("caBundleConfigMap");
      spec.put(field, uri);
    };

    // The shipped policy quotes an artifact URI it refuses; the others quote store URIs as
    // warnings and audit annotations.
    StringBuilder said = new StringBuilder();
    for (DecisionContext context : List.of(cluster, context("warn"), context("audit"))) {
      said.append(said(validate(edit, context))).append('\n');
    }

    assertThat(said.toString()).contains("***").doesNotContain("cr3t").doesNotContain("s3/");
  }

  @Test
  void aPercentEncodedPasswordKeyIsAnInlineCredential() {
    AdmissionResponse response = validate(spec -> {
      spec.remove("backendStoreUriFrom");
      spec.put("backendStoreUri",
          "postgresql://db.example/mlflow?pass%77ord=s3cr3t&sslmode=verify-full");
    }, cluster);

    assertThat(MLflowRuleCases.rules(response)).containsExactly("inline-credentials:deny");
  }

  /** A JSON or key=value list holds several URIs in one word; the second one counts too. */
  @Test
  void aPasswordInTheSecondUriOfAValueIsFound() {
    AdmissionResponse response = validate(env("STORES_JSON",
        "{\"artifacts\":\"s3://bucket/x\",\"db\":\"postgresql://u:s3cr3t@db/x\"}"), cluster);

    assertThat(MLflowRuleCases.rules(response)).containsExactly("inline-credentials:deny");
    assertThat(response.message()).contains("postgresql://u:***@db/x").doesNotContain("s3cr3t");
  }

  /**
   * A value of a million URIs that might carry credentials is reported rather than read to the
   * end (each costs a parse), and not admitted unread.
   */
  @Test
  void aValueOfCountlessUrisIsReportedNotReadToTheEnd() {
    // Just under the decoder's 1 MiB string limit.
    String decoys = "db://u:@h/x ".repeat(80_000);

    AdmissionResponse response = assertTimeoutPreemptively(HANG_GUARD,
        () -> validate(env("CONNECTIONS", decoys + "postgresql://u:s3cr3t@db/x"), cluster));

    assertThat(MLflowRuleCases.rules(response)).containsExactly("inline-credentials:deny");
    assertThat(response.message()).contains("CONNECTIONS holds more than 1000 URIs")
        .doesNotContain("s3cr3t");
  }

  /** Names that mention a secret but hold a switch, a path or references only. */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "HF_HUB_DISABLE_IMPLICIT_TOKEN | 1",
    "MLFLOW_ENABLE_PASSWORD | true",
    "DB_PASSWORD | $(DB_USER_PASSWORD)$(DB_SUFFIX)",
    "MLFLOW_TRACKING_TOKEN_FILE | /var/run/secrets/mlflow/token",
    "AWS_WEB_IDENTITY_TOKEN_PATH | /var/run/secrets/eks/token",
    "PASSWORD_POLICY_MODE | strict",
    "AWS_ACCESS_KEY_ID | AKIAEXAMPLE",
    "EVAL_DATABASE_URL | postgresql://eval:@evaldb/eval",
    "EVAL_DATABASE_URL | postgresql://evaldb/eval?password=",
  })
  void valuesThatOnlyLookLikeSecretsAreAdmitted(String name, String value) {
    assertThat(MLflowRuleCases.rules(validate(env(name, value), cluster))).isEmpty();
  }

  /** The fix for a credential in a variable the operator sets is the CR field, not a Secret ref. */
  @Test
  void aStoreUriVariableWithAPasswordGetsOneConsistentFix() {
    AdmissionResponse response = validate(
        env("MLFLOW_BACKEND_STORE_URI", "postgresql://u:s3cr3t@db/mlflow"), cluster);

    assertThat(MLflowRuleCases.rules(response))
        .containsExactlyInAnyOrder("operator-managed-env:deny", "inline-credentials:deny");
    assertThat(response.message())
        .contains("spec.env[0].value: MLFLOW_BACKEND_STORE_URI holds a URI with a password")
        .doesNotContain("valueFrom")
        .contains("Remove this entry and set spec.backendStoreUri or spec.backendStoreUriFrom");
  }

  @Test
  void aCredentialVariableFixNamesTheFullPath() {
    assertThat(validate(env("PGPASSWORD", "pw"), cluster).message())
        .endsWith("Put the value in a Secret and set spec.env[0].valueFrom.secretKeyRef instead"
            + " of value.");
  }

  /** The operator's remote-storage sample reads both stores from one Secret: one cause, one fix. */
  @Test
  void storesFromOneSecretWithoutABundleGetOneTlsWarning() {
    AdmissionResponse response = validate(spec -> {
      spec.remove("caBundleConfigMap");
      spec.putObject("readReplicaBackendStoreUriFrom").put("name", "mlflow-db-credentials")
          .put("key", "read-replica-backend-store-uri");
    }, cluster);

    assertThat(MLflowRuleCases.rules(response)).containsExactly("database-tls:warn");
    assertThat(response.warnings()).singleElement().asString()
        .startsWith("spec.backendStoreUriFrom: the store URIs of backendStoreUriFrom,"
            + " readReplicaBackendStoreUriFrom come from Secret"
        + " 'mlflow-db-credentials'");
  }

  /** A blank store URI is one problem (it is empty), not also a file store on the volume. */
  @Test
  void aBlankStoreUriIsOnlyEmpty() {
    AdmissionResponse response = validate(spec -> {
      spec.remove("backendStoreUriFrom");
      spec.put("backendStoreUri", "   ");
    }, cluster);

    assertThat(MLflowRuleCases.rules(response)).containsExactly("empty-uri:deny");
  }

  private AdmissionResponse validate(Consumer<ObjectNode> edit, DecisionContext context) {
    return MLflowRuleCases.SERVICE.validate(Fixtures.mlflowReview(
        MLflowRuleCases.cr("remote-storage.yaml", edit, null)).request(), context);
  }

  private static Consumer<ObjectNode> env(String name, String value) {
    return spec -> spec.putArray("env").addObject().put("name", name).put("value", value);
  }

  private DecisionContext context(String action) {
    return MLflowRuleCases.everyRule(dir, action);
  }

  /** Everything the answer says: denial, warnings and audit annotations. */
  private static String said(AdmissionResponse response) {
    List<String> said = new ArrayList<>(response.warnings());
    said.addAll(response.auditAnnotations().values());
    if (response.message() != null) {
      said.add(response.message());
    }
    return String.join("\n", said);
  }
}
