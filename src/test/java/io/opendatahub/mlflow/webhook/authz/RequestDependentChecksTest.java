package io.opendatahub.mlflow.webhook.authz;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.Answer;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.Question;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.policy.PolicyHolder;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * Checks whose names come from the request (body, query, headers, path) and checks asked only
 * when the request references an object, with the shipped route table.
 */
class RequestDependentChecksTest {

  private static final String TOKEN = Grants.TOKEN;
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** The shipped policy with the AI Gateway enabled (it ships disabled). */
  private static final Policy GATEWAY_ENABLED;

  static {
    try {
      GATEWAY_ENABLED = TestPolicies.shippedWith(Files.createTempDirectory("gateway"),
          "- resources: [gatewayendpoints, gatewaysecrets, gatewaymodeldefinitions,"
              + " gatewaybudgets, gatewayguardrails]", "- resources: [assistants]");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Answer ask(Grants grants, Question question) {
    PolicyHolder policy = new PolicyHolder(GATEWAY_ENABLED);
    AuthorizationService service =
        new AuthorizationService(policy, grants, AuthorizationService.Listener.NONE);
    return new RouteAuthorizer(policy, service).decide(question, TOKEN).join();
  }

  private static Question post(String path, String name, String body) {
    return new Question("team-a", "POST", path, name, JSON.readTree(body), Map.of(), Map.of());
  }

  @Test
  void aModelDefinitionNamingASecretNeedsUseOfThatSecret() {
    String path = "/api/3.0/mlflow/gateway/model-definitions/create";
    String body = "{\"name\": \"gpt\", \"secret_id\": \"openai-key\", \"provider\": \"openai\"}";

    Answer withoutUse = ask(new Grants("gatewaymodeldefinitions:create"), post(path, null, body));
    Grants named = new Grants("gatewaymodeldefinitions:create",
        "gatewaysecrets/use:create:openai-key");
    Answer withUse = ask(named, post(path, null, body));

    assertThat(withoutUse.allowed()).isFalse();
    assertThat(withoutUse.resource()).isEqualTo("gatewaysecrets/use");
    assertThat(withoutUse.verb()).isEqualTo("create");
    assertThat(withUse.allowed()).isTrue();
    assertThat(named.asked).containsExactly("gatewaymodeldefinitions:create@team-a",
        "gatewaysecrets/use:create@team-a", "gatewaysecrets/use:create:openai-key@team-a");
  }

  @Test
  void anEndpointUpdateNeedsUseOfModelDefinitionsOnlyWhenTheBodyReferencesSome() {
    String path = "/api/3.0/mlflow/gateway/endpoints/update";
    Grants grants = new Grants("gatewayendpoints:update");

    Answer plain = ask(grants, post(path, null, "{\"endpoint_id\": \"e-1\", \"name\": \"x\"}"));
    Answer referencing = ask(grants, post(path, null, "{\"endpoint_id\": \"e-1\","
        + " \"model_configs\": [{\"model_definition_id\": \"md-1\"}, {\"model_definition_id\":"
        + " \"md-2\"}]}"));

    assertThat(plain.allowed()).isTrue();
    assertThat(referencing.allowed()).isFalse();
    assertThat(referencing.resource()).isEqualTo("gatewaymodeldefinitions/use");
    assertThat(referencing.checks()).extracting(RouteAuthorizer.CheckOutcome::name)
        .containsExactly(null, "md-1");
  }

  @Test
  void everyExperimentOfADatasetLinkIsCheckedByName() {
    String path = "/api/3.0/mlflow/datasets/d-1/add-experiments";
    String body = "{\"experiment_ids\": [\"exp-a\", \"exp-b\"]}";
    Grants onlyA = new Grants("datasets:update", "experiments:update:exp-a");
    Grants both = new Grants("datasets:update", "experiments:update:exp-a",
        "experiments:update:exp-b");

    assertThat(ask(onlyA, post(path, "ds", body)).allowed()).isFalse();
    assertThat(ask(both, post(path, "ds", body)).allowed()).isTrue();
    assertThat(both.asked).containsExactly("datasets:update@team-a", "experiments:update@team-a",
        "experiments:update:exp-a@team-a", "experiments:update:exp-b@team-a");
  }

  @Test
  void aRenameNeedsTheOldAndTheNewName() {
    String path = "/api/2.0/mlflow/registered-models/rename";
    String body = "{\"name\": \"old\", \"new_name\": \"new\"}";

    assertThat(ask(new Grants("registeredmodels:update:old"), post(path, "old", body)).allowed())
        .isFalse();
    assertThat(ask(new Grants("registeredmodels:update:old", "registeredmodels:update:new"),
        post(path, "old", body)).allowed()).isTrue();
  }

  @Test
  void otlpTracesNameTheExperimentOfTheirHeaderWhateverItsCase() {
    Grants grants = new Grants("experiments:update:exp-7");
    Question question = new Question("team-a", "POST", "/mlflow/v1/traces", null, null, Map.of(),
        Map.of("x-MLFLOW-experiment-ID", "exp-7"));

    assertThat(ask(grants, question).allowed()).isTrue();
    assertThat(grants.asked).containsExactly("experiments:update@team-a",
        "experiments:update:exp-7@team-a");
  }

  @Test
  void mcpServerNamesWithSlashesComeFromThePath() {
    Grants grants = new Grants("mcpservers:delete:io.github.org/srv");
    Question question = new Question("team-a", "DELETE",
        "/api/3.0/mlflow/mcp-servers/io.github.org/srv", null);

    Answer answer = ask(grants, question);

    assertThat(answer.allowed()).isTrue();
    assertThat(answer.verb()).isEqualTo("delete");
  }

  @Test
  void issueInvocationChecksOnlyWhatItsBodyReferences() {
    String path = "/ajax-api/3.0/mlflow/issues/invoke/";
    Grants grants = new Grants("experiments:update");

    assertThat(ask(grants, post(path, "exp", "{\"experiment_id\": \"1\"}")).allowed()).isTrue();
    Answer withEndpoint = ask(grants, post(path, "exp",
        "{\"experiment_id\": \"1\", \"endpoint_name\": \"chat\"}"));

    assertThat(withEndpoint.allowed()).isFalse();
    assertThat(withEndpoint.resource()).isEqualTo("gatewayendpoints/use");
  }

  @Test
  void aReferenceOfTheWrongTypeIsRefusedNotSkipped() {
    // Skipping it would drop the gatewayendpoints/use check the reference calls for.
    Answer answer = ask(new Grants("experiments:update"), post(
        "/ajax-api/3.0/mlflow/issues/invoke", "exp", "{\"endpoint_name\": {\"$ne\": 1}}"));

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.error()).contains("body.endpoint_name must hold a string");
  }

  @Test
  void aListOfAMillionIdsIsRefusedNamingTheLimit() {
    StringBuilder ids = new StringBuilder("{\"experiment_ids\": [");
    for (int i = 0; i < 1_000_000; i++) {
      ids.append(i == 0 ? "" : ",").append('"').append("e").append(i).append('"');
    }
    Grants grants = new Grants("datasets:update");

    Answer answer = ask(grants, post("/api/3.0/mlflow/datasets/d-1/remove-experiments", "ds",
        ids.append("]}").toString()));

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.error()).contains("more than " + CheckNames.MAX_NAMES);
    assertThat(grants.asked).as("no review before the limit is checked").isEmpty();
  }

  @Test
  void aListIsNotAValueAndAValueIsNotAList() {
    Answer notAList = ask(new Grants(), post("/api/3.0/mlflow/datasets/d-1/add-experiments",
        "ds", "{\"experiment_ids\": \"exp-a\"}"));

    assertThat(notAList.status()).isEqualTo(400);
    assertThat(notAList.error()).contains("experiment_ids must be a list");
  }

  @Test
  void scorerListsAreFilteredWhenTheCallerMayNotListThemAll() {
    Answer answer = ask(new Grants(), new Question("team-a", "GET",
        "/api/3.0/mlflow/scorers/list", null));
    Answer endpoints = ask(new Grants(), new Question("team-a", "GET",
        "/ajax-api/3.0/mlflow/mcp-servers/endpoints", null));

    assertThat(answer.filtered()).isTrue();
    assertThat(endpoints.filtered()).isTrue();
  }

  @Test
  void genaiEvaluationIsRetriedByName() {
    Answer answer = ask(new Grants("experiments:update:exp-1"), post(
        "/ajax-api/3.0/mlflow/genai/evaluate/invoke", "exp-1", "{}"));

    assertThat(answer.allowed()).isTrue();
  }
}
