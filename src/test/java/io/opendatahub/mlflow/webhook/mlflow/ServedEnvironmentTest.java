package io.opendatahub.mlflow.webhook.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.admission.NamespaceFacts;
import io.opendatahub.mlflow.webhook.admission.StaticNamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.testing.ChangingNamespaces;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The environment a cluster-scoped MLflow CR is judged by, as namespaces come and go. */
class ServedEnvironmentTest {

  private static final Policy POLICY = TestPolicies.shipped();

  private final ServedEnvironments environments = new ServedEnvironments();

  private String environment(JsonNode spec, NamespaceFacts facts) {
    return environments.of(spec, POLICY, facts).environment().name();
  }

  @Test
  void followsNamespacesAsTheyChangeForEverySelector() {
    ChangingNamespaces facts = new ChangingNamespaces();
    facts.put("team-a", Map.of("team", "a"));
    JsonNode all = Fixtures.JSON.readTree("{}");
    JsonNode teamB = Fixtures.JSON.readTree(
        "{\"workspaceLabelSelector\":{\"matchLabels\":{\"team\":\"b\"}}}");

    assertThat(environment(all, facts)).isEqualTo("development");
    assertThat(environment(teamB, facts)).isEqualTo("development");

    facts.put("team-b", Map.of("team", "b", "mlflow-policy.io/environment", "production"));
    assertThat(environment(all, facts)).isEqualTo("production");
    assertThat(environment(teamB, facts)).isEqualTo("production");

    facts.put("team-b", Map.of("team", "b"));
    facts.put("team-a", Map.of("team", "a", "mlflow-policy.io/environment", "production"));
    assertThat(environment(teamB, facts)).isEqualTo("development");
    assertThat(environment(all, facts)).isEqualTo("production");

    facts.remove("team-a");
    assertThat(environment(all, facts)).isEqualTo("development");
  }

  @Test
  void untilTheNamespacesHaveSyncedTheStrictestEnvironmentApplies() {
    ChangingNamespaces facts = new ChangingNamespaces();
    facts.put("team-a", Map.of("team", "a"));
    facts.synced(false);
    JsonNode all = Fixtures.JSON.readTree("{}");

    ServedEnvironment before = environments.of(all, POLICY, facts);
    facts.synced(true);
    ServedEnvironment after = environments.of(all, POLICY, facts);

    assertThat(before.environment().name()).isEqualTo("production");
    assertThat(before.describe()).contains("has not yet read the cluster's namespaces");
    assertThat(after.environment().name()).isEqualTo("development");
  }

  /**
   * Two services in one JVM (tests, {@code check} beside {@code serve}) each keep their own
   * answers: a memo shared by the process would be thrown away at every turn and every review
   * would scan every namespace again.
   */
  @Test
  void twoPoliciesInOneJvmDoNotShareTheMemo() {
    CountedScans facts = new CountedScans();
    MLflowAdmission first = new MLflowAdmission();
    MLflowAdmission second = new MLflowAdmission();
    DecisionContext firstPolicy = new DecisionContext(TestPolicies.shipped(), facts);
    DecisionContext secondPolicy = new DecisionContext(TestPolicies.shipped(), facts);
    var create = Fixtures.mlflowReview(Fixtures.mlflow("remote-storage.yaml")).request();

    for (int i = 0; i < 3; i++) {
      assertThat(first.validate(create, firstPolicy)).isEmpty();
      assertThat(second.validate(create, secondPolicy)).isEmpty();
    }

    assertThat(facts.scans).as("namespace scans, one per service").isEqualTo(2);
  }

  /** Counts how often the served environment is worked out from every namespace. */
  private static final class CountedScans implements NamespaceFacts {
    private final NamespaceFacts facts = new StaticNamespaceFacts(
        List.of(new KnownNamespace("team-a", Map.of("team", "a"))));
    int scans;

    @Override
    public Optional<Map<String, String>> labels(String namespace) {
      return facts.labels(namespace);
    }

    @Override
    public Collection<KnownNamespace> namespaces() {
      scans++;
      return facts.namespaces();
    }
  }

  @Test
  void manySelectorsAreAllAnsweredCorrectly() {
    ChangingNamespaces facts = new ChangingNamespaces();
    for (int i = 0; i < 100; i++) {
      facts.put("ns-" + i, i == 77 ? Map.of("team", "t77", "mlflow-policy.io/environment",
          "production") : Map.of("team", "t" + i));
    }
    for (int i = 0; i < 100; i++) {
      JsonNode spec = Fixtures.JSON.readTree(
          "{\"workspaceLabelSelector\":{\"matchLabels\":{\"team\":\"t" + i + "\"}}}");
      assertThat(environment(spec, facts)).as("team t" + i)
          .isEqualTo(i == 77 ? "production" : "development");
    }
  }
}
