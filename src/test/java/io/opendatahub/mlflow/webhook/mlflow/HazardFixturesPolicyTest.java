package io.opendatahub.mlflow.webhook.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Schema;
import io.fabric8.zjsonpatch.JsonPatch;
import io.opendatahub.mlflow.webhook.admission.AdmissionResponse;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.admission.StaticNamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.policy.PolicyLoader;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.Schemas;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The fixtures of {@link OperatorHazardRulesTest} under the development example: only what
 * breaks an instance outright is denied, the rest are warnings; and {@code /mutate} stays
 * idempotent on them under the shipped policy and that example.
 */
class HazardFixturesPolicyTest {

  private static final Schema CRD_SPEC = Schemas.resource("schema/mlflow-spec.schema.json");
  private static final List<String> FIXTURES = List.of("env-credentials.yaml",
      "trace-archival-file.yaml", "restore-from-snapshot.yaml", "operator-env.yaml",
      "maintenance-jobs.yaml", "empty-uris.yaml");

  private final AdmissionService service = new AdmissionService(List.of(new MLflowAdmission()));

  private static DecisionContext context(Policy policy) {
    return new DecisionContext(policy, StaticNamespaceFacts.fromPolicy(policy));
  }

  private static DecisionContext permissive() throws Exception {
    return context(new PolicyLoader().load(Path.of("policies/examples/permissive-development.yaml")));
  }

  @ParameterizedTest
  @CsvSource({
    "env-credentials.yaml, true",
    "trace-archival-file.yaml, true",
    "restore-from-snapshot.yaml, true",
    "maintenance-jobs.yaml, true",
    // A second MLFLOW_BACKEND_STORE_URI breaks the operator's apply; an empty URI its render.
    "operator-env.yaml, false",
    "empty-uris.yaml, false",
  })
  void theDevelopmentExampleDeniesOnlyWhatBreaksTheInstance(String fixture, boolean admitted)
      throws Exception {
    AdmissionResponse response =
        service.validate(Fixtures.mlflowReview(Fixtures.mlflow(fixture)).request(), permissive());

    assertThat(response.allowed()).isEqualTo(admitted);
    assertThat(response.findings()).isNotEmpty();
  }

  static Stream<Arguments> fixturesUnderBothPolicies() {
    return FIXTURES.stream().flatMap(f -> Stream.of(Arguments.of(f, "shipped"),
        Arguments.of(f, "permissive-development")));
  }

  @ParameterizedTest(name = "{0} under {1}")
  @MethodSource("fixturesUnderBothPolicies")
  void mutatingTheMutatedObjectChangesNothing(String fixture, String policyName) throws Exception {
    DecisionContext context = policyName.equals("shipped")
        ? context(TestPolicies.shipped()) : permissive();
    ObjectNode cr = Fixtures.mlflow(fixture);
    AdmissionResponse first = service.mutate(Fixtures.mlflowReview(cr).request(), context);
    JsonNode once = first.hasPatch() ? JsonPatch.apply(first.patch(), cr) : cr;

    AdmissionResponse again = service.mutate(Fixtures.mlflowReview(once).request(), context);

    assertThat(again.hasPatch()).isFalse();
  }

  @Test
  void archivingTracesOnTheVolumeGetsTheDefaultVolumeAndThenPassesStorageRequired() {
    DecisionContext context = context(TestPolicies.shipped());
    ObjectNode cr = Fixtures.mlflow("trace-archival-file.yaml");

    AdmissionResponse mutated = service.mutate(Fixtures.mlflowReview(cr).request(), context);
    JsonNode patched = JsonPatch.apply(mutated.patch(), cr);
    AdmissionResponse validated =
        service.validate(Fixtures.mlflowReview(patched).request(), context);

    assertThat(patched.at("/spec/storage/resources/requests/storage").asString()).isEqualTo("10Gi");
    assertThat(Schemas.errors(CRD_SPEC, patched.get("spec"))).isEmpty();
    assertThat(validated.findings()).noneMatch(f -> f.rule().equals("storage-required"));
  }
}
