package io.opendatahub.mlflow.webhook.kube;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.opendatahub.mlflow.webhook.audit.AuditResult;
import io.opendatahub.mlflow.webhook.audit.AuditResult.Severity;
import io.opendatahub.mlflow.webhook.audit.AuditResult.Status;
import io.opendatahub.mlflow.webhook.audit.AuditedObject;
import io.opendatahub.mlflow.webhook.audit.Auditor;
import io.opendatahub.mlflow.webhook.testing.EnableCrudApiServer;
import io.opendatahub.mlflow.webhook.testing.LogCapture;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The Event publisher against a (mock) API server, on a worker the test turns: one Event per
 * change of findings, however many passes and restarts see it; nothing from a replica that does
 * not lead.
 */
@EnableCrudApiServer
class AuditEventPublisherTest {

  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-02T03:00:00Z"),
      ZoneOffset.UTC);
  private static final AuditResult SQLITE = new AuditResult("mlflow-backend-scheme", Status.FAIL,
      Severity.HIGH, "spec.backendStoreUri: scheme sqlite is not allowed in production");
  private static final AuditResult PASS = new AuditResult(Auditor.PASS_RULE, Status.PASS,
      Severity.INFO, "admission would admit this object as it is, without findings");

  KubernetesClient client;
  KubernetesMockServer server;

  private final ManualWorker worker = new ManualWorker();
  private final PolicyReportWriterTest.SettableLeadership leader =
      new PolicyReportWriterTest.SettableLeadership(true);

  private AuditEventPublisher publisher() {
    return new AuditEventPublisher(new KubeEventWriter(client, "pod-0"), leader, worker,
        CLOCK);
  }

  private static List<AuditedObject> mlflow(AuditResult... results) {
    return List.of(new AuditedObject("MLflow", "mlflow", null, "uid-1", "7", List.of(results)));
  }

  private void pass(AuditEventPublisher publisher, List<AuditedObject> objects) {
    publisher.accept(objects);
    worker.advance(Duration.ZERO);
  }

  private List<Event> events() {
    return client.events().v1().events().inNamespace("default").list().getItems();
  }

  @Test
  void aViolationIsOneEventAcrossPassesAndRestarts() {
    AuditEventPublisher first = publisher();
    pass(first, mlflow(SQLITE));

    assertThat(events()).singleElement().satisfies(event -> {
      assertThat(event.getType()).isEqualTo("Warning");
      assertThat(event.getReason()).isEqualTo("PolicyViolation");
      assertThat(event.getReportingController()).isEqualTo("mlflow-policy-webhook");
      assertThat(event.getReportingInstance()).isEqualTo("pod-0");
      assertThat(event.getAction()).isEqualTo("Audit");
      assertThat(event.getEventTime().getTime()).isEqualTo("2026-12-02T03:00:00.000000Z");
      assertThat(event.getNote()).contains("mlflow-backend-scheme", "sqlite");
      assertThat(event.getRegarding().getKind()).isEqualTo("MLflow");
      assertThat(event.getRegarding().getApiVersion()).isEqualTo("mlflow.opendatahub.io/v1");
      assertThat(event.getRegarding().getName()).isEqualTo("mlflow");
      assertThat(event.getRegarding().getNamespace()).isNull();
      assertThat(event.getRegarding().getUid()).isEqualTo("uid-1");
      assertThat(event.getSeries()).isNull();
    });

    int requests = server.getRequestCount();
    for (int i = 0; i < 3; i++) {
      pass(first, mlflow(SQLITE));
    }
    assertThat(server.getRequestCount()).as("API calls for unchanged findings").isEqualTo(requests);
    first.close();

    // A restart (or a new leader): first sight again, the create conflicts, nothing is added.
    AuditEventPublisher second = publisher();
    pass(second, mlflow(SQLITE));
    assertThat(server.getRequestCount()).as("one create that conflicts").isEqualTo(requests + 1);
    assertThat(events()).singleElement().satisfies(event -> assertThat(event.getSeries()).isNull());
  }

  @Test
  void aFixIsANormalEventAndBreakingItAgainCountsTheViolationAgain() {
    AuditEventPublisher publisher = publisher();
    pass(publisher, mlflow(SQLITE));
    pass(publisher, mlflow(PASS));

    assertThat(events()).extracting(Event::getReason)
        .containsExactlyInAnyOrder("PolicyViolation", "PolicyCompliant");
    assertThat(events()).filteredOn(e -> e.getReason().equals("PolicyCompliant")).singleElement()
        .satisfies(event -> assertThat(event.getType()).isEqualTo("Normal"));

    pass(publisher, mlflow(SQLITE));

    assertThat(events()).hasSize(2).filteredOn(e -> e.getReason().equals("PolicyViolation"))
        .singleElement().satisfies(event -> {
          assertThat(event.getSeries().getCount()).isEqualTo(2);
          assertThat(event.getSeries().getLastObservedTime().getTime())
              .isEqualTo("2026-12-02T03:00:00.000000Z");
        });
  }

  @Test
  void aReplicaThatDoesNotLeadWritesNothingUntilItLeads() {
    leader.set(false);
    AuditEventPublisher publisher = publisher();
    int requests = server.getRequestCount();

    pass(publisher, mlflow(SQLITE));
    pass(publisher, mlflow(SQLITE));

    assertThat(server.getRequestCount()).isEqualTo(requests);
    assertThat(events()).isEmpty();

    // Leading now: the latest results are told without waiting for another audit pass.
    leader.set(true);
    worker.advance(Duration.ZERO);
    assertThat(events()).singleElement().extracting(Event::getReason)
        .isEqualTo("PolicyViolation");
  }

  @Test
  void aRefusedWriteIsLoggedOnceAndTriedAgainOnTheNextPass() {
    AtomicBoolean refuse = new AtomicBoolean(true);
    KubeEventWriter real = new KubeEventWriter(client, "pod-0");
    EventWriter writer = (event, now) -> {
      if (refuse.get()) {
        throw new KubernetesClientException("events.events.k8s.io is forbidden", 403, null);
      }
      real.write(event, now);
    };
    AuditEventPublisher publisher = new AuditEventPublisher(writer, leader, worker, CLOCK);
    try (LogCapture log = new LogCapture(AuditEventPublisher.class.getName(), Level.INFO)) {
      pass(publisher, mlflow(SQLITE));
      pass(publisher, mlflow(SQLITE));
      pass(publisher, mlflow(SQLITE));

      assertThat(log.lines()).singleElement().asString().startsWith("WARN")
          .contains("HTTP 403").doesNotContain("sqlite");
      assertThat(events()).isEmpty();

      refuse.set(false);
      pass(publisher, mlflow(SQLITE));
      assertThat(events()).hasSize(1);
      assertThat(log.lines()).last().asString().contains("written again");
    }
  }
}
