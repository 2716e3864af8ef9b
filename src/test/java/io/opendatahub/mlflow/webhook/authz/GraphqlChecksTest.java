package io.opendatahub.mlflow.webhook.authz;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.authz.GraphqlChecks.Plan;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.Question;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Which checks a GraphQL document needs, as the plugin's auth/graphql.py reads it, and the
 * documents an attacker would send to hide a field or exhaust the parser.
 */
class GraphqlChecksTest {

  private static final JsonMapper JSON = new JsonMapper();

  private static Plan post(String query) {
    return post(query, null);
  }

  private static Plan post(String query, String variablesJson) {
    ObjectNode body = JSON.createObjectNode().put("query", query);
    if (variablesJson != null) {
      body.set("variables", JSON.readTree(variablesJson));
    }
    return GraphqlChecks.of(new Question("team-a", "POST", "/graphql", null, body, Map.of(), Map.of()));
  }

  /** The checks as "resource:verb MODE [fields]". */
  private static List<String> checks(Plan plan) {
    assertThat(plan.refusal()).isNull();
    return plan.checks().stream()
        .map(c -> c.check() + " " + c.mode() + " " + c.fields())
        .toList();
  }

  @Test
  void aRunsSearchNamingItsExperimentsIsFilteredAndOneWithoutIsNot() {
    assertThat(checks(post("query { mlflowSearchRuns(input: {experimentIds: [\"1\"]}) { runs {"
        + " info { runId } } } }")))
        .containsExactly("experiments:list FILTERED [mlflowSearchRuns]");
    assertThat(checks(post("query { mlflowSearchRuns(input: {filter: \"x\"}) { runs { info {"
        + " runId } } } }")))
        .containsExactly("experiments:list BROAD [mlflowSearchRuns]");
  }

  @Test
  void experimentIdsMayComeFromVariablesAsTheUiSendsThem() {
    String query = "query MlflowSearchRunsQuery($data: MlflowSearchRunsInput) {"
        + " mlflowSearchRuns(input: $data) { runs { info { runId } } } }";

    assertThat(checks(post(query, "{\"data\": {\"experimentIds\": [\"7\"]}}")))
        .containsExactly("experiments:list FILTERED [mlflowSearchRuns]");
    assertThat(checks(post(query, "{\"data\": {\"experimentIds\": []}}")))
        .containsExactly("experiments:list BROAD [mlflowSearchRuns]");
    assertThat(checks(post(query, null)))
        .containsExactly("experiments:list BROAD [mlflowSearchRuns]");
  }

  @Test
  void aGetRequestCarriesTheDocumentInItsQueryParameters() {
    Plan plan = GraphqlChecks.of(new Question("team-a", "GET", "/graphql?x", null, null,
        Map.of("query", List.of("query($ids: [String]) { mlflowSearchRuns(input:"
            + " {experimentIds: $ids}) { runs { info { runId } } } }"),
            "variables", List.of("{\"ids\": [\"3\"]}")), Map.of()));

    assertThat(checks(plan)).containsExactly("experiments:list FILTERED [mlflowSearchRuns]");
  }

  @Test
  void aGetWhoseParametersStayedInThePathIsReadFromThere() {
    String query = java.net.URLEncoder.encode("{ mlflowSearchModelVersions(input: {}) {"
        + " modelVersions { name } } }", java.nio.charset.StandardCharsets.UTF_8);

    Plan plan = GraphqlChecks.of(new Question("team-a", "GET", "/mlflow/graphql?query=" + query
        + "&operationName=X", null));

    assertThat(checks(plan))
        .containsExactly("registeredmodels:list FILTERED [mlflowSearchModelVersions]");
  }

  @Test
  void modelVersionsBelowARunAlsoNeedRegisteredModelsInUpstreamOrder() {
    Plan plan = post("query { mlflowGetRun(input: {runId: \"r\"}) { run { info { runId }"
        + " modelVersions { name version } } } mlflowSearchModelVersions(input: {}) {"
        + " modelVersions { name } } }");

    assertThat(checks(plan)).containsExactly(
        "experiments:get BY_NAME [mlflowGetRun]",
        "registeredmodels:get BROAD [modelVersions (nested)]",
        "registeredmodels:list FILTERED [mlflowSearchModelVersions]");
    // Below the model-version search itself they are filtered with it: no extra check.
    assertThat(checks(post("{ mlflowSearchModelVersions(input: {}) { modelVersions { name } }"
        + " }"))).containsExactly("registeredmodels:list FILTERED [mlflowSearchModelVersions]");
  }

  @Test
  void anAliasHidesNothing() {
    Plan plan = post("query GetRun { experiment: mlflowGetRun(input: {runId: \"r\"}) { run {"
        + " versions: modelVersions { name } } } }");

    assertThat(checks(plan)).containsExactly("experiments:get BY_NAME [mlflowGetRun]",
        "registeredmodels:get BROAD [modelVersions (nested)]");
  }

  @Test
  void theOperationNameIsNotTrustedEveryOperationCounts() {
    ObjectNode body = JSON.createObjectNode()
        .put("query", "query GetRun { mlflowGetRun(input: {runId: \"r\"}) { run { info {"
            + " runId } } } } query Other { mlflowSearchModelVersions(input: {}) {"
            + " modelVersions { name } } }")
        .put("operationName", "GetRun");

    Plan plan = GraphqlChecks.of(new Question("team-a", "POST", "/graphql", null, body,
        Map.of(), Map.of()));

    assertThat(checks(plan)).containsExactly("experiments:get BY_NAME [mlflowGetRun]",
        "registeredmodels:list FILTERED [mlflowSearchModelVersions]");
  }

  @Test
  void fragmentsAreFollowedAndTheirCyclesEnd() {
    // A selects modelVersions; B only spreads A, and A spreads B back. The run reaches
    // modelVersions only through B: a reader that memoised B while A was unfinished would miss it.
    Plan plan = post("query { mlflowGetRun(input: {runId: \"r\"}) { run { ...B } } }"
        + " fragment A on MlflowRun { modelVersions { name } ...B }"
        + " fragment B on MlflowRun { ...A }"
        + " fragment Unused on MlflowRun { ...A }");

    assertThat(checks(plan)).containsExactly("experiments:get BY_NAME [mlflowGetRun]",
        "registeredmodels:get BROAD [modelVersions (nested)]");
  }

  @Test
  void aRootFieldInsideAFragmentIsARootField() {
    Plan plan = post("query { ...Root } fragment Root on Query { ... on Query {"
        + " mlflowSearchModelVersions(input: {}) { modelVersions { name } } ...Root } }");

    assertThat(checks(plan))
        .containsExactly("registeredmodels:list FILTERED [mlflowSearchModelVersions]");
  }

  @Test
  void unknownFieldsAreRefusedByName() {
    Plan plan = post("{ mlflowGetRun(input: {runId: \"r\"}) { run { info { runId } } }"
        + " mlflowDeleteEverything mlflowAlsoUnknown }");

    assertThat(plan.checks()).isEmpty();
    assertThat(plan.refusal()).contains("mlflowAlsoUnknown, mlflowDeleteEverything")
        .contains("no authorization rule covers");
  }

  @Test
  void introspectionIsRefusedEvenInsideAFragment() {
    assertThat(post("{ __schema { types { name } } }").refusal())
        .contains("__schema").contains("introspection");
    assertThat(post("query { ...F } fragment F on Query { __type(name: \"X\") { name } }")
        .refusal()).contains("__type");
  }

  @Test
  void documentsThatAreNotQueriesAreRefusedWithTheProblem() {
    assertThat(post("query { mlflowGetRun(input: {runId: ").refusal())
        .startsWith("GraphQL request refused: the query does not parse");
    assertThat(post("   ").refusal()).contains("has no query");
    assertThat(post("type Query { x: Int }").refusal()).contains("only operations and fragments");
    assertThat(post("query { ...Missing }").refusal()).contains("selects no field");
    assertThat(post("fragment F on Q { a } fragment F on Q { b } { test }").refusal())
        .contains("fragment F is defined twice");
    ObjectNode notText = JSON.createObjectNode().put("query", 42);
    assertThat(GraphqlChecks.of(new Question("team-a", "POST", "/graphql", null, notText,
        Map.of(), Map.of())).refusal()).contains("query must be a string");
  }

  @Test
  void hugeAndDeepDocumentsAreRefusedByTheParserBounds() {
    String manyTokens = "{ " + "test ".repeat(GraphqlRequest.MAX_TOKENS) + "}";
    String deep = "{ mlflowGetRun { " + "a { ".repeat(2_000) + "b" + " }".repeat(2_001) + " }";
    String huge = "{ test }" + " ".repeat(GraphqlRequest.MAX_CHARACTERS);

    assertThat(post(manyTokens).refusal()).contains("does not parse");
    assertThat(post(deep).refusal()).contains("does not parse");
    assertThat(post(huge).refusal()).contains("characters; at most");
    // Far deeper than any query the MLflow UI sends, and still read.
    assertThat(post("{ mlflowGetRun { " + "a { ".repeat(60) + "b" + " }".repeat(61) + " }")
        .refusal()).isNull();
  }

  @Test
  void theParserErrorDoesNotRepeatTheCallersText() {
    String refusal = post("query { mlflowGetRun(input: {runId: \"secret-value-123\" ) }")
        .refusal();

    assertThat(refusal).contains("does not parse").doesNotContain("secret-value-123");
  }
}
