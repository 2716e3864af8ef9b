package io.opendatahub.mlflow.webhook.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.admission.NamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.testing.ChangingNamespaces;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The environment a cluster-scoped MLflow CR is judged by, as namespaces come and go. */
class ServedEnvironmentTest {

  private static final Policy POLICY = TestPolicies.shipped();

  private static String environment(JsonNode spec, NamespaceFacts facts) {
    return ServedEnvironment.of(spec, POLICY, facts).environment().name();
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

    ServedEnvironment before = ServedEnvironment.of(all, POLICY, facts);
    facts.synced(true);
    ServedEnvironment after = ServedEnvironment.of(all, POLICY, facts);

    assertThat(before.environment().name()).isEqualTo("production");
    assertThat(before.describe()).contains("has not yet read the cluster's namespaces");
    assertThat(after.environment().name()).isEqualTo("development");
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
