package io.opendatahub.mlflow.webhook.mlflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.networknt.schema.Schema;
import io.fabric8.zjsonpatch.JsonPatch;
import io.opendatahub.mlflow.webhook.admission.AdmissionResponse;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.admission.Finding;
import io.opendatahub.mlflow.webhook.cli.CheckRunner;
import io.opendatahub.mlflow.webhook.admission.NamespaceFacts.KnownNamespace;
import io.opendatahub.mlflow.webhook.admission.StaticNamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.policy.PolicyException;
import io.opendatahub.mlflow.webhook.policy.PolicyLoader;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.Schemas;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Every MLflow CR the operator's own repositories publish (samples of each release, README
 * examples, e2e specs, the CR the CI matrix deploys; {@code src/test/resources/mlflow/upstream},
 * each file naming its source) through the admission path and {@code check}, under the shipped
 * policy and every example: the verdicts in {@code expected.yaml}, valid and idempotent patches,
 * and an UPDATE that leaves the spec alone always admitted.
 */
class UpstreamCorpusTest {

  private static final Path CORPUS = Path.of("src/test/resources/mlflow/upstream");
  private static final Schema CRD_SPEC = Schemas.resource("schema/mlflow-spec.schema.json");
  private static final JsonNode EXPECTED = Fixtures.yaml("mlflow/upstream/expected.yaml");

  /** The policies, by the names expected.yaml uses. */
  private static final Map<String, Path> POLICIES = policies();

  private final AdmissionService service = new AdmissionService(List.of(new MLflowAdmission()));

  private static Map<String, Path> policies() {
    Map<String, Path> policies = new LinkedHashMap<>();
    EXPECTED.path("policies").properties()
        .forEach(entry -> policies.put(entry.getKey(), Path.of(entry.getValue().asString())));
    return policies;
  }

  static List<String> fixtures() {
    try (Stream<Path> files = Files.list(CORPUS)) {
      return files.map(file -> file.getFileName().toString())
          .filter(name -> name.endsWith(".yaml") && !name.equals("expected.yaml")).sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Stream<Arguments> fixturesAndPolicies() {
    return fixtures().stream()
        .flatMap(fixture -> POLICIES.keySet().stream().map(policy -> Arguments.of(fixture, policy)));
  }

  /**
   * The simulated cluster: the namespaces the policy names, its deployment namespace, an
   * unlabelled workspace and one labelled the way the operator's CI selects workspaces.
   */
  static List<KnownNamespace> cluster(Policy policy) {
    List<KnownNamespace> namespaces =
        new ArrayList<>(StaticNamespaceFacts.fromPolicy(policy).namespaces());
    namespaces.add(new KnownNamespace("team-a", Map.of()));
    namespaces.add(new KnownNamespace("ml-team", Map.of("mlflow-enabled", "true")));
    return namespaces;
  }

  private static Policy load(String policy) {
    try {
      return new PolicyLoader().load(POLICIES.get(policy));
    } catch (PolicyException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  /** Loaded once per policy: the corpus runs a few hundred cases. */
  private static final Map<String, DecisionContext> CONTEXTS = new java.util.HashMap<>();

  private static synchronized DecisionContext context(String policy) {
    return CONTEXTS.computeIfAbsent(policy, name -> {
      Policy loaded = load(name);
      return new DecisionContext(loaded, new StaticNamespaceFacts(cluster(loaded)));
    });
  }

  /** The rule ids that deny, sorted; empty when admitted. */
  private static TreeSet<String> denyingRules(AdmissionResponse response) {
    TreeSet<String> rules = new TreeSet<>();
    response.findings().stream().filter(Finding::denies).map(Finding::rule).forEach(rules::add);
    return rules;
  }

  private static TreeSet<String> expected(String fixture, String policy) {
    JsonNode rules = EXPECTED.path("verdicts").path(fixture).path(policy);
    assertThat(rules.isArray()).as("expected.yaml has no verdict for %s under %s", fixture, policy)
        .isTrue();
    TreeSet<String> expected = new TreeSet<>();
    rules.forEach(rule -> expected.add(rule.asString()));
    return expected;
  }

  private boolean crdRejects(String fixture) {
    for (JsonNode name : EXPECTED.path("crdRejects")) {
      if (name.asString().equals(fixture)) {
        return true;
      }
    }
    return false;
  }

  @ParameterizedTest(name = "{0} under {1}")
  @MethodSource("fixturesAndPolicies")
  void theAdmissionPathGivesTheExpectedVerdict(String fixture, String policy) {
    ObjectNode cr = Fixtures.mlflow("upstream/" + fixture);

    // As the API server runs admission: mutate, then validate the mutated object.
    AdmissionService.Simulation simulation =
        service.simulate(Fixtures.mlflowReview(cr).request(), context(policy));

    assertThat(denyingRules(simulation.validation()))
        .as("rules denying %s under %s (expected.yaml; [] = admitted)", fixture, policy)
        .isEqualTo(expected(fixture, policy));
    assertThat(simulation.validation().allowed()).isEqualTo(expected(fixture, policy).isEmpty());
  }

  @ParameterizedTest(name = "{0} under {1}")
  @MethodSource("fixturesAndPolicies")
  void mutatePatchesAreValidIdempotentAndSatisfyTheCrd(String fixture, String policy) {
    ObjectNode cr = Fixtures.mlflow("upstream/" + fixture);
    DecisionContext context = context(policy);

    AdmissionResponse first = service.mutate(Fixtures.mlflowReview(cr).request(), context);
    JsonNode patched = cr;
    if (first.hasPatch()) {
      JsonNode[] applied = new JsonNode[1];
      assertThatCode(() -> applied[0] = JsonPatch.apply(first.patch(), cr))
          .as("the patch applies as RFC 6902 JSON Patch").doesNotThrowAnyException();
      patched = applied[0];
      assertThat(patched.get("metadata")).isEqualTo(cr.get("metadata"));
    }
    AdmissionResponse again = service.mutate(Fixtures.mlflowReview(patched).request(), context);

    assertThat(again.hasPatch()).as("mutating the mutated object changes nothing").isFalse();
    if (!crdRejects(fixture)) {
      assertThat(Schemas.errors(CRD_SPEC, patched.get("spec"))).isEmpty();
    }
  }

  @ParameterizedTest(name = "{0} under {1}")
  @MethodSource("fixturesAndPolicies")
  void anUpdateThatLeavesTheSpecAloneIsAlwaysAdmitted(String fixture, String policy) {
    assertAnUntouchedSpecIsAdmitted("upstream/" + fixture, policy);
  }

  /** The project's own fixtures hold what every rule denies: each must ratchet. */
  static Stream<Arguments> ownFixturesAndPolicies() {
    try (Stream<Path> files = Files.list(CORPUS.getParent())) {
      return files.map(file -> file.getFileName().toString())
          .filter(name -> name.endsWith(".yaml")).sorted().toList().stream()
          .flatMap(fixture -> POLICIES.keySet().stream()
              .map(policy -> Arguments.of(fixture, policy)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @ParameterizedTest(name = "{0} under {1}")
  @MethodSource("ownFixturesAndPolicies")
  void everyRuleRatchetsAnUpdateThatLeavesTheSpecAlone(String fixture, String policy) {
    assertAnUntouchedSpecIsAdmitted(fixture, policy);
  }

  private void assertAnUntouchedSpecIsAdmitted(String fixture, String policy) {
    ObjectNode before = Fixtures.mlflow(fixture);
    ObjectNode after = before.deepCopy();
    ((ObjectNode) after.get("metadata")).putObject("labels").put("touched", "true");

    AdmissionResponse response = service.validate(
        Fixtures.mlflowReview(after).oldObject(before).operation("UPDATE").request(),
        context(policy));

    assertThat(response.allowed()).as(String.valueOf(response.message())).isTrue();
    assertThat(response.findings()).filteredOn(f -> !f.ratcheted())
        .noneMatch(Finding::denies);
  }

  @Test
  void checkGivesTheSameVerdicts() {
    Map<String, Map<String, TreeSet<String>>> mismatches = new TreeMap<>();
    for (String policy : POLICIES.keySet()) {
      List<String> args = new ArrayList<>(List.of("--policy", POLICIES.get(policy).toString(),
          "--output", "json"));
      for (KnownNamespace namespace : cluster(load(policy))) {
        args.add("--namespace");
        args.add(namespace.name() + "=" + String.join(",", namespace.labels().entrySet().stream()
            .map(label -> label.getKey() + "=" + label.getValue()).toList()));
      }
      fixtures().forEach(fixture -> args.add(CORPUS.resolve(fixture).toString()));

      CheckRunner.Outcome outcome = CheckRunner.run(args);

      JsonNode report = Fixtures.JSON.readTree(outcome.out());
      boolean anyDenied = false;
      for (JsonNode result : report.path("results")) {
        String fixture = Path.of(result.path("file").asString()).getFileName().toString();
        TreeSet<String> denying = new TreeSet<>();
        result.path("findings").forEach(finding -> {
          if (finding.path("action").asString().equals("deny")) {
            denying.add(finding.path("rule").asString());
          }
        });
        anyDenied |= !result.path("allowed").asBoolean();
        if (!denying.equals(expected(fixture, policy))) {
          mismatches.computeIfAbsent(policy, p -> new TreeMap<>()).put(fixture, denying);
        }
      }
      assertThat(report.path("results").size()).isEqualTo(fixtures().size());
      assertThat(outcome.exitCode()).isEqualTo(anyDenied ? 1 : 0);
    }
    assertThat(mismatches).as("check's denying rules that differ from expected.yaml").isEmpty();
  }

  @Test
  void theDevelopmentExampleAdmitsEveryCrTheCrdAccepts() {
    DecisionContext context = context("permissive-development");
    for (String fixture : fixtures()) {
      if (crdRejects(fixture)) {
        continue;
      }
      AdmissionService.Simulation simulation = service.simulate(
          Fixtures.mlflowReview(Fixtures.mlflow("upstream/" + fixture)).request(), context);

      assertThat(simulation.validation().allowed()).as(fixture + ": "
          + simulation.validation().message()).isTrue();
    }
  }
}
