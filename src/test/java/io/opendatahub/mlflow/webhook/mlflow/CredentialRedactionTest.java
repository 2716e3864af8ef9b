package io.opendatahub.mlflow.webhook.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.admission.AdmissionResponse;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Credentials found outside the store URIs are reported under {@code inline-credentials} with
 * every action, and the secret itself reaches no denial message, warning or audit annotation.
 */
class CredentialRedactionTest {

  private static final List<String> SECRETS = List.of("literal-aws-secret-value", "pa55-in-env",
      "pa55-in-override", "pa55-in-query", "pa/55-sqlalchemy", "pa55-in-trace", "sig-value");

  @TempDir Path dir;

  private final AdmissionService service = new AdmissionService(List.of(new MLflowAdmission()));

  @ParameterizedTest
  @ValueSource(strings = {"deny", "warn", "audit"})
  void noSecretReachesTheAnswer(String action) throws Exception {
    DecisionContext context = MLflowRuleCases.everyRule(dir, action);
    ObjectNode cr = Fixtures.mlflow("env-credentials.yaml");
    ObjectNode spec = (ObjectNode) cr.get("spec");
    spec.remove("backendStoreUriFrom");
    spec.put("backendStoreUri", "postgresql://db/mlflow?user=mlflow&password=pa55-in-query");
    spec.put("registryStoreUri", "postgresql://mlflow:pa/55-sqlalchemy@db/registry");
    spec.put("defaultArtifactRoot", "wasbs://c@acct.blob.core.windows.net/x?sig=sig-value");
    spec.putObject("traceArchival").put("enabled", true)
        .put("location", "s3://key:pa55-in-trace@minio.example/traces");
    ((ArrayNode) spec.get("env")).addObject().put("name", "MLFLOW_BACKEND_STORE_URI")
        .put("value", "postgresql://mlflow:pa55-in-override@db/mlflow");

    AdmissionResponse response = service.validate(Fixtures.mlflowReview(cr).request(),
        context);

    List<String> said = new ArrayList<>(response.warnings());
    said.addAll(response.auditAnnotations().values());
    if (response.message() != null) {
      said.add(response.message());
    }
    String answer = String.join("\n", said);
    assertThat(response.findings().stream().filter(f -> f.rule().equals("inline-credentials")))
        .hasSize(7);
    assertThat(answer).contains("***").contains("AWS_SECRET_ACCESS_KEY");
    for (String secret : SECRETS) {
      assertThat(answer).doesNotContain(secret);
    }
  }
}
