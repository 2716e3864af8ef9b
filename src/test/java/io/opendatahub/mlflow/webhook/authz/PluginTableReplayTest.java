package io.opendatahub.mlflow.webhook.authz;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.policy.NameSource;
import io.opendatahub.mlflow.webhook.policy.RouteRule;
import io.opendatahub.mlflow.webhook.policy.RouteRule.Check;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Replays the compiled route table of the plugin the tracking server runs
 * ({@code mlflow-kubernetes-plugins} 1.6.0, kept as test data with its provenance) against the
 * shipped route table: for every method and path the same kind of answer, the same checks in
 * the same order, the same checks named, conditional and filtered, the same deny reason; the
 * same public paths and the same handling of the {@code /mlflow} prefix.
 *
 * <p>One justified exception: the gateway dependency checks of the plugin's
 * {@code auth/core.py} ({@code _enforce_gateway_dependency_permissions}) are not in its compiled
 * table, so our table adds them where that code asks them: {@code gatewaymodeldefinitions/use:create}
 * after a {@code gatewayendpoints} create or update, {@code gatewaysecrets/use:create} after a
 * {@code gatewaymodeldefinitions} create or update, except on routes the plugin marks
 * "skip gateway dependency checks".
 */
class PluginTableReplayTest {

  static final String VERSION = "1.6.0";
  private static final JsonNode PLUGIN = read("/mlflow-plugin-routes-" + VERSION + ".json");
  private static final List<RouteRule> SHIPPED = TestPolicies.shipped().routes();
  private static final RouteTable TABLE = new RouteTable(SHIPPED);

  private static JsonNode read(String resource) {
    try (InputStream in = PluginTableReplayTest.class.getResourceAsStream(resource)) {
      return JsonMapper.builder().build().readTree(in);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void theTestDataSaysWhichPluginItIs() {
    assertThat(PLUGIN.path("plugin").asString()).contains("mlflow-kubernetes-plugins " + VERSION);
    assertThat(PLUGIN.path("routes").size()).isEqualTo(487);
  }

  @Test
  void everyShippedEntrySaysWhichPluginVersionItMirrors() {
    assertThat(SHIPPED).allSatisfy(rule -> assertThat(rule.plugin()).as(rule.key())
        .isEqualTo(VERSION));
  }

  @Test
  void everyPluginRouteGetsThePluginsAnswer() {
    List<String> wrong = new ArrayList<>();
    for (JsonNode route : PLUGIN.path("routes")) {
      String method = route.path("method").asString();
      String path = route.path("path").asString();
      String where = method + " " + path + " (" + route.path("source").asString() + ")";
      Optional<RouteTable.Match> match = TABLE.match(method, probe(path));
      if (match.isEmpty()) {
        wrong.add(where + ": no entry");
        continue;
      }
      String difference = difference(route, match.get().rule());
      if (difference != null) {
        wrong.add(where + ": " + difference);
      }
    }
    assertThat(wrong).isEmpty();
  }

  @Test
  void everyShippedEntryIsOneOfThePlugins() {
    Set<String> reached = new HashSet<>();
    for (JsonNode route : PLUGIN.path("routes")) {
      TABLE.match(route.path("method").asString(), probe(route.path("path").asString()))
          .ifPresent(match -> reached.add(match.rule().key()));
    }
    for (JsonNode path : PLUGIN.path("unprotectedPaths")) {
      TABLE.match("GET", path.asString()).ifPresent(match -> reached.add(match.rule().key()));
    }
    for (JsonNode prefix : PLUGIN.path("unprotectedPathPrefixes")) {
      for (String path : List.of(prefix.asString(), prefix.asString() + "/x")) {
        TABLE.match("GET", path).ifPresent(match -> reached.add(match.rule().key()));
      }
    }
    assertThat(SHIPPED).map(RouteRule::key).allSatisfy(key -> assertThat(reached)
        .as("an entry the plugin does not have").contains(key));
  }

  @Test
  void thePluginsPublicPathsArePublic() {
    for (JsonNode path : PLUGIN.path("unprotectedPaths")) {
      assertPublic(path.asString());
    }
    for (JsonNode prefix : PLUGIN.path("unprotectedPathPrefixes")) {
      // The plugin tests startswith: /static covers /static-files/..., /health covers /healthz.
      for (String suffix : List.of("", "/x", "-files/app.js", "z")) {
        assertPublic(prefix.asString() + suffix);
      }
    }
  }

  private static void assertPublic(String path) {
    for (String method : List.of("GET", "POST", "HEAD")) {
      assertThat(TABLE.match(method, path)).as(method + " " + path)
          .hasValueSatisfying(match -> assertThat(match.rule().open()).isTrue());
    }
  }

  @Test
  void theStaticPrefixIsRemovedOnlyBeforeThePluginsPrefixes() {
    for (JsonNode known : PLUGIN.path("staticPrefixStrippedBefore")) {
      String path = known.asString().equals("/") ? "/" : known.asString() + "/x";
      assertThat(TABLE.match("GET", "/mlflow" + path).map(RouteTable.Match::rule))
          .as("/mlflow" + path).isEqualTo(TABLE.match("GET", path).map(RouteTable.Match::rule));
    }
    // /mlflow/... before anything else stays as it is, and matches nothing.
    assertThat(TABLE.match("POST", "/mlflow/mlflow/api/2.0/mlflow/runs/create")).isEmpty();
    assertThat(TABLE.match("GET", "/mlflow/static/app.js")).isEmpty();
  }

  @Test
  void headIsNotAnsweredAsGetSinceThePluginHasNoHeadRules() {
    for (JsonNode route : PLUGIN.path("routes")) {
      String path = probe(route.path("path").asString());
      if (route.path("method").asString().equals("GET") && !route.path("kind").asString()
          .equals("public")) {
        assertThat(TABLE.match("HEAD", path)).as("HEAD " + path).isEmpty();
      }
    }
  }

  /** A concrete path for a template: {@code <x>} one segment, {@code <path:x>} two. */
  static String probe(String template) {
    return template.replaceAll("<path:[^>]+>", "p1/p2").replaceAll("<[^>]+>", "p1");
  }

  /** What differs between the plugin's answer and our entry, or null. */
  private static String difference(JsonNode route, RouteRule rule) {
    String kind = route.path("kind").asString();
    switch (kind) {
      case "public":
        return rule.open() ? null : "plugin: public; ours: not";
      case "deny":
        return route.path("message").asString().equals(rule.deny()) ? null
            : "plugin denies with '" + route.path("message").asString() + "'; ours: "
            + rule.deny();
      case "anyOf":
      case "requires":
        if (rule.open() || rule.deny() != null || rule.needsAll() != kind.equals("requires")) {
          return "plugin: " + kind + "; ours: another kind";
        }
        return checksDiffer(route, rule);
      default:
        return "unknown kind " + kind;
    }
  }

  private static String checksDiffer(JsonNode route, RouteRule rule) {
    List<Check> ours = withoutDependencyChecks(route, rule);
    List<String> theirs = new ArrayList<>();
    route.path("checks").forEach(check -> theirs.add(check.asString()));
    if (!ours.stream().map(Check::toString).toList().equals(theirs)) {
      return "plugin checks " + theirs + "; ours " + ours;
    }
    if (route.path("kind").asString().equals("anyOf")) {
      return ours.stream().anyMatch(c -> !c.names().isEmpty()) ? "anyOf checks are not named"
          : null;
    }
    boolean filtered = false;
    for (int i = 0; i < theirs.size(); i++) {
      Check check = ours.get(i);
      filtered |= route.path("filtered").get(i).asBoolean();
      boolean named = route.path("named").get(i).asBoolean();
      if (named == check.names().isEmpty()) {
        return check + ": plugin named " + named + "; ours names " + check.names();
      }
      String parsers = route.path("parsers").get(i).toString();
      if (parsers.contains("OPTIONAL") != check.whenReferenced()) {
        return check + ": plugin parsers " + parsers + "; ours when referenced "
            + check.whenReferenced();
      }
      if (parsers.contains("HEADER") != has(check, NameSource.Kind.HEADER)
          || parsers.contains("_IDS_TO_") != has(check, NameSource.Kind.BODY_EACH)) {
        return check + ": plugin parsers " + parsers + "; ours " + check.names();
      }
    }
    return filtered == rule.filtered() ? null
        : "plugin filtered " + filtered + "; ours " + rule.filtered();
  }

  private static boolean has(Check check, NameSource.Kind kind) {
    return check.names().stream().anyMatch(source -> source.kind() == kind);
  }

  /** Our checks without the gateway dependency checks, which must be there where core.py asks. */
  private static List<Check> withoutDependencyChecks(JsonNode route, RouteRule rule) {
    List<Check> checks = new ArrayList<>(rule.checks());
    String first = route.path("checks").get(0).asString();
    boolean skipped = route.path("extra").toString().contains("skip gateway dependency checks");
    String dependency = skipped ? null
        : first.matches("gatewayendpoints:(create|update)") ? "gatewaymodeldefinitions/use:create"
        : first.matches("gatewaymodeldefinitions:(create|update)") ? "gatewaysecrets/use:create"
        : null;
    if (dependency != null) {
      Check last = checks.get(checks.size() - 1);
      assertThat(last.toString()).as(rule.key() + " asks the gateway dependency check")
          .isEqualTo(dependency);
      assertThat(last.names()).as(rule.key() + " names the referenced dependency").isNotEmpty();
      checks.remove(checks.size() - 1);
    }
    return checks;
  }
}
