package io.opendatahub.mlflow.webhook.authz;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.Answer;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.Question;
import io.opendatahub.mlflow.webhook.policy.PolicyHolder;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** /graphql questions: the checks come from the query's fields, not from the route alone. */
class GraphqlRouteTest {

  private static final JsonMapper JSON = new JsonMapper();

  private static Answer post(NamespaceGrants grants, String query, String name) {
    return ask(grants, new Question("team-a", "POST", "/mlflow/graphql", name,
        JSON.createObjectNode().put("query", query), Map.of(), Map.of()));
  }

  private static Answer ask(NamespaceGrants grants, Question question) {
    PolicyHolder policy = new PolicyHolder(TestPolicies.shipped());
    AuthorizationService service =
        new AuthorizationService(policy, grants, AuthorizationService.Listener.NONE);
    return new RouteAuthorizer(policy, service).decide(question, NamespaceGrants.TOKEN).join();
  }

  @Test
  void modelVersionsBelowARunNeedRegisteredModelsToo() {
    // Before: /graphql needed experiments:get and nothing else, so a reader of experiments
    // could read every model version through a run.
    NamespaceGrants experimentsOnly = new NamespaceGrants("team-a/experiments:get");
    String query = "query { mlflowGetRun(input: {runId: \"r1\"}) { run { modelVersions { name"
        + " } } } }";

    Answer answer = post(experimentsOnly, query, null);

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.allowed()).isFalse();
    assertThat(answer.resource()).isEqualTo("registeredmodels");
    assertThat(answer.verb()).isEqualTo("get");
    assertThat(answer.reason()).contains("GraphQL field modelVersions (nested)");
    assertThat(post(new NamespaceGrants("team-a/experiments:get",
        "team-a/registeredmodels:get"), query, null).allowed()).isTrue();
  }

  @Test
  void aRunsSearchIsListAndFilteredWhenItNamesItsExperiments() {
    NamespaceGrants readerOfOne = new NamespaceGrants("team-a/experiments:get:exp-1");

    Answer filtered = post(readerOfOne, "{ mlflowSearchRuns(input: {experimentIds: [\"1\","
        + " \"2\"]}) { runs { info { runId } } } }", null);
    Answer unfiltered = post(readerOfOne, "{ mlflowSearchRuns(input: {}) { runs { info { runId"
        + " } } } }", null);

    assertThat(filtered.allowed()).isFalse();
    assertThat(filtered.filtered()).isTrue();
    assertThat(filtered.verb()).isEqualTo("list");
    assertThat(filtered.reason()).contains("filters what mlflowSearchRuns return");
    assertThat(unfiltered.allowed()).isFalse();
    assertThat(unfiltered.filtered()).isFalse();
    assertThat(unfiltered.reason()).contains("needed for GraphQL field mlflowSearchRuns");
  }

  @Test
  void theNameStandsForTheOneObjectAQueryReads() {
    NamespaceGrants readerOfOne = new NamespaceGrants("team-a/experiments:get:exp-1");
    String one = "{ mlflowGetRun(input: {runId: \"r1\"}) { run { info { runId } } } }";
    String two = "{ a: mlflowGetRun(input: {runId: \"r1\"}) { run { info { runId } } }"
        + " b: mlflowGetRun(input: {runId: \"r2\"}) { run { info { runId } } } }";

    assertThat(post(readerOfOne, one, "exp-1").allowed()).isTrue();
    assertThat(post(readerOfOne, one, "exp-2").allowed()).isFalse();
    // Two runs may be in two experiments: one name cannot stand for both.
    assertThat(post(readerOfOne, two, "exp-1").allowed()).isFalse();
  }

  @Test
  void anUnknownFieldIsDeniedByNameWithoutAskingAnyone() {
    NamespaceGrants everything = new NamespaceGrants("*/experiments:get",
        "*/registeredmodels:get", "*/registeredmodels:list", "*/experiments:list");

    Answer answer = post(everything, "{ test mlflowDeleteExperiment(id: 1) }", null);

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.allowed()).isFalse();
    assertThat(answer.reason()).contains("mlflowDeleteExperiment");
    assertThat(everything.asked).isEmpty();
  }

  @Test
  void aGetCarriesTheQueryInItsParameters() {
    NamespaceGrants reader = new NamespaceGrants("team-a/registeredmodels:list");

    Answer answer = ask(reader, new Question("team-a", "GET", "/graphql", null, null,
        Map.of("query", List.of("{ mlflowSearchModelVersions(input: {}) { modelVersions {"
            + " name } } }")), Map.of()));

    assertThat(answer.allowed()).isTrue();
    assertThat(reader.asked).containsExactly("team-a/registeredmodels:list");
  }

  @Test
  void aLongDocumentIsReadOnTheBatchPoolNotTheCallersThread() {
    java.util.concurrent.atomic.AtomicInteger pooled = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.Executor pool = task -> {
      pooled.incrementAndGet();
      task.run();
    };
    PolicyHolder policy = new PolicyHolder(TestPolicies.shipped());
    AuthorizationService service = new AuthorizationService(policy,
        new NamespaceGrants("team-a/experiments:get"), AuthorizationService.Listener.NONE);
    RouteAuthorizer routes = new RouteAuthorizer(policy, service, pool);
    String shortQuery = "{ test }";
    String longQuery = "{ " + "t: test ".repeat(400) + "}";

    Answer inline = routes.decideAll(List.of(new Question("team-a", "POST", "/graphql", null,
        JSON.createObjectNode().put("query", shortQuery), Map.of(), Map.of())), NamespaceGrants.TOKEN,
        () -> false).join().get(0);
    int afterShort = pooled.get();
    Answer pooledAnswer = routes.decideAll(List.of(new Question("team-a", "POST", "/graphql",
        null, JSON.createObjectNode().put("query", longQuery), Map.of(), Map.of())), NamespaceGrants.TOKEN,
        () -> false).join().get(0);

    assertThat(inline.allowed()).isTrue();
    assertThat(pooledAnswer.allowed()).isTrue();
    assertThat(afterShort).isZero();
    assertThat(pooled.get()).isPositive();
  }

  @Test
  void aQuestionWithoutTheDocumentIsDeniedSayingWhatToSend() {
    Answer answer = ask(new NamespaceGrants("team-a/experiments:get"),
        new Question("team-a", "POST", "/graphql", null));

    assertThat(answer.allowed()).isFalse();
    assertThat(answer.reason()).contains("has no query");
  }
}
