package io.opendatahub.mlflow.webhook.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.audit.AuditResult.Severity;
import io.opendatahub.mlflow.webhook.audit.AuditResult.Status;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which Events the audit's results call for, pass after pass. */
class AuditEventsTest {

  private static final AuditResult PASS = new AuditResult(Auditor.PASS_RULE, Status.PASS,
      Severity.INFO, "admission would admit this object as it is, without findings");
  private static final AuditResult SQLITE = new AuditResult("mlflow-backend-scheme", Status.FAIL,
      Severity.HIGH, "spec.backendStoreUri: scheme sqlite is not allowed in production");
  private static final AuditResult SIZE = new AuditResult("mlflow-storage-size", Status.WARN,
      Severity.MEDIUM, "spec.storage.size: 1Gi is below the minimum 10Gi");

  private final AuditEvents events = new AuditEvents();

  private static AuditedObject mlflow(AuditResult... results) {
    return new AuditedObject("MLflow", "mlflow", null, "uid-1", "7", List.of(results));
  }

  private static AuditedObject binding(String name, AuditResult... results) {
    return new AuditedObject("RoleBinding", name, "team-a", "uid-" + name, "3", List.of(results));
  }

  @Test
  void sameFindingsPassAfterPassCallForOneEvent() {
    assertThat(events.changes(List.of(mlflow(SQLITE)))).hasSize(1);
    assertThat(events.changes(List.of(mlflow(SQLITE)))).isEmpty();
    // A new resourceVersion (an edit that changes no finding) is no news either.
    AuditedObject edited = new AuditedObject("MLflow", "mlflow", null, "uid-1", "8",
        List.of(SQLITE));
    assertThat(events.changes(List.of(edited))).isEmpty();
  }

  @Test
  void aViolationOnAClusterScopedObjectIsAWarningInTheDefaultNamespace() {
    AuditEvent event = events.changes(List.of(mlflow(SQLITE, SIZE))).get(0);

    assertThat(event.type()).isEqualTo(AuditEvent.Type.WARNING);
    assertThat(event.type().wireName()).isEqualTo("Warning");
    assertThat(event.reason()).isEqualTo(AuditEvents.VIOLATION);
    assertThat(event.namespace()).isEqualTo("default");
    assertThat(event.regarding()).isEqualTo(new AuditEvent.Regarding("mlflow.opendatahub.io/v1",
        "MLflow", "mlflow", null, "uid-1"));
    assertThat(event.note()).isEqualTo("fail mlflow-backend-scheme: " + SQLITE.message()
        + "; warn mlflow-storage-size: " + SIZE.message());
    assertThat(event.recurrence()).isFalse();
    assertThat(event.name()).matches("mlflow\\.[0-9a-f]{16}");
  }

  @Test
  void changedFindingsCallForOneNewEventWithAnotherName() {
    AuditEvent first = events.changes(List.of(mlflow(SQLITE))).get(0);
    List<AuditEvent> changed = events.changes(List.of(mlflow(SQLITE, SIZE)));

    assertThat(changed).hasSize(1);
    assertThat(changed.get(0).name()).isNotEqualTo(first.name());
    assertThat(changed.get(0).recurrence()).isTrue();
  }

  @Test
  void backToCompliantIsANormalEventAndFirstSightOfACompliantObjectIsNone() {
    assertThat(events.changes(List.of(mlflow(PASS)))).isEmpty();
    events.changes(List.of(mlflow(SQLITE)));

    List<AuditEvent> fixed = events.changes(List.of(mlflow(PASS)));

    assertThat(fixed).singleElement().satisfies(event -> {
      assertThat(event.type()).isEqualTo(AuditEvent.Type.NORMAL);
      assertThat(event.reason()).isEqualTo(AuditEvents.COMPLIANT);
      assertThat(event.note()).contains("passes every rule");
    });
    assertThat(events.changes(List.of(mlflow(PASS)))).isEmpty();
  }

  @Test
  void warningsAloneAreAPolicyWarningInTheBindingsNamespace() {
    AuditEvent event = events.changes(List.of(binding("viewers", SIZE))).get(0);

    assertThat(event.type()).isEqualTo(AuditEvent.Type.WARNING);
    assertThat(event.reason()).isEqualTo(AuditEvents.WARNING);
    assertThat(event.namespace()).isEqualTo("team-a");
    assertThat(event.regarding().apiVersion()).isEqualTo("rbac.authorization.k8s.io/v1");
    assertThat(event.regarding().namespace()).isEqualTo("team-a");
  }

  @Test
  void theSameFindingsAgainAfterAFixKeepTheirNameAndCountAsARecurrence() {
    AuditEvent first = events.changes(List.of(mlflow(SQLITE))).get(0);
    events.changes(List.of(mlflow(PASS)));

    AuditEvent again = events.changes(List.of(mlflow(SQLITE))).get(0);

    assertThat(again.name()).isEqualTo(first.name());
    assertThat(again.recurrence()).isTrue();
  }

  @Test
  void aNewReplicaNamesTheSameEventTheSame() {
    AuditEvent here = events.changes(List.of(mlflow(SQLITE))).get(0);
    AuditEvent there = new AuditEvents().changes(List.of(mlflow(SQLITE))).get(0);

    assertThat(there).isEqualTo(here);
  }

  @Test
  void anUnwrittenEventIsDecidedAgainOnTheNextPass() {
    AuditEvent lost = events.changes(List.of(mlflow(SQLITE))).get(0);
    events.unwritten(lost);
    assertThat(events.changes(List.of(mlflow(SQLITE)))).containsExactly(lost);

    events.changes(List.of(mlflow(PASS))).forEach(events::unwritten);
    assertThat(events.changes(List.of(mlflow(PASS)))).singleElement()
        .extracting(AuditEvent::reason).isEqualTo(AuditEvents.COMPLIANT);
  }

  @Test
  void anUnwrittenEventWhoseObjectChangedSinceIsNotDecidedAgain() {
    AuditEvent lost = events.changes(List.of(mlflow(SQLITE))).get(0);
    events.changes(List.of(mlflow(SQLITE, SIZE)));
    events.unwritten(lost);

    assertThat(events.changes(List.of(mlflow(SQLITE, SIZE)))).isEmpty();
  }

  @Test
  void forgettingStartsAgainFromFirstSight() {
    events.changes(List.of(mlflow(SQLITE)));
    events.forget();

    assertThat(events.changes(List.of(mlflow(SQLITE)))).singleElement()
        .extracting(AuditEvent::recurrence).isEqualTo(false);
  }

  @Test
  void anObjectThatWentAwayIsForgottenAndARecreatedOneIsNew() {
    events.changes(List.of(mlflow(SQLITE)));
    events.changes(List.of());

    assertThat(events.changes(List.of(mlflow(SQLITE)))).hasSize(1);
  }

  @Test
  void aLongNoteIsCutToTheApiLimitBetweenCharacters() {
    String huge = "é".repeat(2_000);
    AuditResult result = new AuditResult("rule", Status.FAIL, Severity.HIGH, huge);

    String note = events.changes(List.of(mlflow(result))).get(0).note();

    assertThat(note.getBytes(StandardCharsets.UTF_8).length)
        .isLessThanOrEqualTo(AuditEvents.NOTE_LIMIT);
    assertThat(note).startsWith("fail rule: éé").endsWith(" [...]").doesNotContain("\uFFFD");
  }

  @Test
  void anyBindingNameMakesAValidEventName() {
    String name = events.changes(List.of(binding("System:Controller:" + "x".repeat(300), SQLITE)))
        .get(0).name();

    assertThat(name).hasSizeLessThanOrEqualTo(253)
        .matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    assertThat(AuditEvents.name(":::", "uid", "digest")).matches("[0-9a-f]{16}");
  }
}
