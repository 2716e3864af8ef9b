package io.opendatahub.mlflow.webhook.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.admission.Finding;
import io.opendatahub.mlflow.webhook.admission.Operation;
import io.opendatahub.mlflow.webhook.policy.Action;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The admission timers and finding counters are found by a slot number worked out from their
 * labels (issue 19): every combination of labels must still be its own series, labelled as
 * before, counting only its own answers.
 */
class AdmissionMetricsTest {

  private final WebhookMetrics metrics = new WebhookMetrics();

  @Test
  void everyEndpointKindOperationAndDecisionIsItsOwnSeries() {
    List<String> expected = new ArrayList<>();
    int times = 1;
    for (AdmissionEndpoint.Mode endpoint : AdmissionEndpoint.Mode.values()) {
      for (String kind : List.of("MLflow", "RoleBinding", "other", WebhookMetrics.UNKNOWN)) {
        List<Operation> operations = new ArrayList<>(List.of(Operation.values()));
        operations.add(null);
        for (Operation operation : operations) {
          for (AdmissionEndpoint.Decision decision : AdmissionEndpoint.Decision.values()) {
            // A different count per series: one answer counted in the wrong series shows.
            for (int i = 0; i < times; i++) {
              metrics.admission(endpoint, kind, operation, decision, 1_000);
            }
            expected.add("mlflow_webhook_admission_seconds_count{decision=\"" + decision.label
                + "\",endpoint=\"" + endpoint.label + "\",kind=\"" + kind + "\",operation=\""
                + (operation == null ? "unknown" : operation.name()) + "\"} " + times);
            times++;
          }
        }
      }
    }
    List<String> scraped = lines("mlflow_webhook_admission_seconds_count{");
    assertThat(scraped).containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void bodiesRefusedUnreadAreCountedAsTheEndpointCountsWhatItCannotRead() {
    metrics.unread("/validate", 1_000);
    metrics.unread("/mutate", 1_000);
    metrics.unread("/mutate", 1_000);
    metrics.unread("/elsewhere", 1_000);
    assertThat(lines("mlflow_webhook_admission_seconds_count{")).containsExactlyInAnyOrder(
        "mlflow_webhook_admission_seconds_count{decision=\"malformed\",endpoint=\"validate\","
            + "kind=\"unknown\",operation=\"unknown\"} 1",
        "mlflow_webhook_admission_seconds_count{decision=\"malformed\",endpoint=\"mutate\","
            + "kind=\"unknown\",operation=\"unknown\"} 2");
  }

  @Test
  void everyRuleAndOutcomeOfAFindingIsItsOwnSeries() {
    List<Finding> findings = new ArrayList<>();
    List<String> expected = new ArrayList<>();
    int times = 1;
    for (String rule : List.of("metadata-store-scheme", "database-tls")) {
      for (Action action : Action.values()) {
        Finding finding = new Finding(rule, action, "spec", "message");
        for (Finding counted : List.of(finding, finding.ratchet())) {
          for (int i = 0; i < times; i++) {
            findings.add(counted);
          }
          if (counted.ratcheted()) {
            continue; // added up below: every action's ratcheted finding counts as one outcome
          }
          expected.add("mlflow_webhook_policy_findings_total{action=\"" + action.wireName()
              + "\",rule=\"" + rule + "\"} " + times + ".0");
          times++;
        }
      }
      long ratcheted = findings.stream()
          .filter(f -> f.rule().equals(rule) && f.ratcheted()).count();
      expected.add("mlflow_webhook_policy_findings_total{action=\"ratcheted\",rule=\"" + rule
          + "\"} " + ratcheted + ".0");
    }
    metrics.findings(findings);
    metrics.findings(List.of());
    assertThat(lines("mlflow_webhook_policy_findings_total{"))
        .containsExactlyInAnyOrderElementsOf(expected);
  }

  private List<String> lines(String prefix) {
    return metrics.scrape().lines().filter(line -> line.startsWith(prefix)).toList();
  }
}
