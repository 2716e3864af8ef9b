package io.opendatahub.mlflow.webhook.authz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opendatahub.mlflow.webhook.policy.RouteRule;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The shipped route table and the matching rules the tracking server's routing implies. */
class RouteTableTest {

  private static final List<RouteRule> SHIPPED = TestPolicies.shipped().routes();
  private static final RouteTable TABLE = new RouteTable(SHIPPED);

  private static String checks(String method, String path) {
    RouteRule rule = TABLE.match(method, path).orElseThrow(
        () -> new AssertionError("no route for " + method + " " + path)).rule();
    if (rule.open()) {
      return "public";
    }
    if (rule.deny() != null) {
      return "deny";
    }
    return (rule.needsAll() ? "" : "any ") + String.join(" + ",
        rule.checks().stream().map(RouteRule.Check::toString).toList());
  }

  /** The facts' quick answers (mlflow-facts.md §3.5), as the tracking server sends them. */
  @ParameterizedTest(name = "{0} {1} -> {2}")
  @CsvSource(delimiter = '|', value = {
    "POST|/api/2.0/mlflow/experiments/create|experiments:create",
    "POST|/mlflow/api/2.0/mlflow/runs/create|experiments:update",
    "POST|/mlflow/ajax-api/2.0/mlflow/runs/log-batch|experiments:update",
    "GET|/api/2.0/mlflow/runs/get?run_id=abc|experiments:get",
    "POST|/api/2.0/mlflow/runs/search|experiments:list",
    "GET|/api/2.0/mlflow/metrics/get-history|experiments:get",
    "POST|/api/2.0/mlflow/registered-models/create|registeredmodels:create",
    "DELETE|/api/2.0/mlflow/registered-models/delete|registeredmodels:delete",
    "POST|/api/2.0/mlflow/model-versions/create|registeredmodels:update",
    "GET|/api/2.0/mlflow/registered-models/search|registeredmodels:list",
    "GET|/api/3.0/mlflow/traces/tr-123|experiments:get",
    "GET|/api/3.0/mlflow/traces/get|experiments:get",
    "POST|/api/3.0/mlflow/datasets/create|datasets:create",
    "POST|/api/3.0/mlflow/datasets/d-1/add-experiments|datasets:update + experiments:update",
    "DELETE|/api/3.0/mlflow/datasets/d-1|datasets:delete",
    "GET|/api/2.0/mlflow-artifacts/artifacts/0/abc/artifacts/model/MLmodel|experiments:get",
    "PUT|/api/2.0/mlflow-artifacts/artifacts/0/abc/artifacts/model.pkl|experiments:update",
    "POST|/gateway/my-endpoint/mlflow/invocations|gatewayendpoints/use:create",
    "POST|/gateway/gemini/v1beta/models/my-endpoint:generateContent|gatewayendpoints/use:create",
    "POST|/api/3.0/mlflow/gateway/endpoints/create|gatewayendpoints:create + gatewaymodeldefinitions/use:create",
    "GET|/api/3.0/mlflow/gateway/budgets/list|gatewaybudgets:list",
    "POST|/v1/traces|experiments:update",
    "GET|/ajax-api/3.0/jobs/j-1/|experiments:get",
    "GET|/api/3.0/mlflow/workspaces/team-a|any experiments:get + datasets:get + registeredmodels:get + gatewaysecrets:get + gatewayendpoints:get + gatewaymodeldefinitions:get + gatewaybudgets:get + gatewayguardrails:get",
    "POST|/api/3.0/mlflow/workspaces|deny",
    "GET|/mlflow/health|public",
    "HEAD|/mlflow/api/3.0/mlflow/server-info|public",
    "GET|/mlflow/static-files/static/js/main.js|public",
    "GET|/healthz|public",
    "DELETE|/api/3.0/mlflow/mcp-servers/io.github.org/srv|mcpservers:delete",
    "POST|/api/3.0/mlflow/mcp-servers/io.github.org/srv/versions/1.0/tags|mcpservers:update",
    "GET|/ajax-api/3.0/mlflow/assistant/providers|assistants:get",
    "POST|/ajax-api/3.0/mlflow/assistant/sessions/s-1/permission|assistants:update",
    "POST|/ajax-api/3.0/mlflow/assistant/sessions/s-1/tool-result|assistants:update",
    "POST|/ajax-api/3.0/mlflow/issues/invoke/|experiments:update + experiments:get + gatewaysecrets/use:create + gatewayendpoints/use:create",
    "POST|/api/3.0/mlflow/gateway/guardrails/create|gatewayguardrails:create + gatewayendpoints/use:create",
    "POST|/mlflow/gateway/openai/v1/chat/completions|gatewayendpoints/use:create",
    "GET|/static/js/main.js|public",
    "GET|/mlflow|public",
  })
  void mapsRoutesAsThePluginDoes(String method, String path, String expected) {
    assertThat(checks(method, path)).isEqualTo(expected);
  }

  @Test
  void everyEntryIsReachableByItsOwnPath() {
    for (RouteRule rule : SHIPPED) {
      String path = rule.path().replaceAll("<path:[^>]+>", "a/b").replaceAll("<[^>]+>", "x1");
      String method = rule.method().equals("*") ? "GET" : rule.method();
      Optional<RouteRule> found = TABLE.match(method, path).map(RouteTable.Match::rule);
      assertThat(found).as(rule.key() + " is shadowed by another entry").contains(rule);
    }
  }

  @Test
  void aLiteralRouteBeatsATemplateThatAlsoMatches() {
    assertThat(TABLE.match("GET", "/api/3.0/mlflow/datasets/search").orElseThrow().rule().path())
        .isEqualTo("/api/3.0/mlflow/datasets/search");
    assertThat(TABLE.match("GET", "/api/3.0/mlflow/datasets/d-1").orElseThrow().rule().path())
        .isEqualTo("/api/3.0/mlflow/datasets/<dataset_id>");
  }

  @Test
  void aPathsOwnMethodBeatsItsAnyMethodEntry() {
    RouteRule any = new RouteRule("*", "/x", null, null, null, null, true, null, null, null);
    RouteRule post = new RouteRule("POST", "/x", null, null, null, null, null, "no", null, null);
    RouteRule other = new RouteRule("GET", "/y", null, null, null, null, true, null, null, null);
    for (List<RouteRule> rules : List.of(List.of(any, post, other), List.of(other, post, any))) {
      RouteTable table = new RouteTable(rules);

      assertThat(table.match("post", "/x").orElseThrow().rule()).isSameAs(post);
      assertThat(table.match("GET", "/x").orElseThrow().rule()).isSameAs(any);
      assertThat(table.match("DELETE", "/x").orElseThrow().rule()).isSameAs(any);
      assertThat(table.match("GET", "/y").orElseThrow().rule()).isSameAs(other);
      assertThat(table.match("POST", "/y")).isEmpty();
      assertThat(table.match("POST", "/x/")).isEmpty();
      assertThat(table.match("POST", "/z")).isEmpty();
    }
  }

  @Test
  void unknownRoutesAndMethodsAreNotGuessed() {
    assertThat(TABLE.match("GET", "/api/2.0/mlflow/experiments/create")).isEmpty();
    assertThat(TABLE.match("POST", "/api/2.0/mlflow/experiments/creat")).isEmpty();
    assertThat(TABLE.match("POST", "/api/2.0/mlflow/experiments/create/")).isEmpty();
    assertThat(TABLE.match("GET", "/mlflowx/api/2.0/mlflow/runs/get")).isEmpty();
    // The static prefix is removed once, and only before the routes the plugin removes it from.
    assertThat(TABLE.match("GET", "/mlflow/mlflow/api/2.0/mlflow/runs/get")).isEmpty();
    assertThat(TABLE.match("GET", "/mlflow/unknown/api/2.0/mlflow/runs/get")).isEmpty();
    // The plugin compiles no HEAD rules: HEAD is not answered as GET.
    assertThat(TABLE.match("HEAD", "/api/2.0/mlflow/runs/get")).isEmpty();
    // Upstream has no PUT on MCP servers.
    assertThat(TABLE.match("PUT", "/api/3.0/mlflow/mcp-servers/io.github.org/srv/x")).isEmpty();
    assertThat(TABLE.match("POST", "/api/3.0/mlflow/mcp-servers/srv/anything")).isEmpty();
    // Proto routes are served under both prefixes; an /ajax-api-only route is not under /api.
    assertThat(TABLE.match("GET", "/api/3.0/mlflow/assistant/config")).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "/api/2.0/mlflow/runs/../experiments/delete|. or ..",
    "/api/2.0/mlflow/runs/%2e%2e/experiments/delete|. or ..",
    "/api/2.0/mlflow/./runs/get|. or ..",
    "/.|. or ..",
    "/api/2.0/mlflow/runs/get/..|. or ..",
    "/api/2.0/mlflow/runs/get/.?x=1|. or ..",
    "/api/2.0/mlflow/runs/get\u007f|control characters",
    "/api/2.0/mlflow/runs/get%0d%0aX: y|control characters",
    "/api/2.0/mlflow/runs/get%zz|invalid %-escape",
    "/api/2.0/mlflow/runs/get%2|incomplete %-escape",
    "api/2.0/mlflow/runs/get|start with /",
  })
  void pathsAServerWouldNotRouteAreRefused(String path, String problem) {
    assertThatThrownBy(() -> TABLE.match("GET", path))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(problem);
  }

  /** Dots that are not a whole segment are names, not steps up or across. */
  @Test
  void dotsWithinNamesAreNotSegments() {
    assertThat(RouteTable.normalize("/a/.../b/.c/d./..e/f..")).isEqualTo("/a/.../b/.c/d./..e/f..");
    assertThat(RouteTable.normalize("/a//b/")).isEqualTo("/a//b/");
    assertThat(RouteTable.normalize("/a/b?x=/../#/./")).isEqualTo("/a/b");
  }

  @Test
  void percentEscapesAreDecodedBeforeMatching() {
    assertThat(checks("POST", "/api/2.0/mlflow/experiments%2Fcreate")).isEqualTo(
        "experiments:create");
  }
}
