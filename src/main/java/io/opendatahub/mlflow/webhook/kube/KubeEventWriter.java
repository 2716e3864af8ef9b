package io.opendatahub.mlflow.webhook.kube;

import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.api.model.events.v1.EventBuilder;
import io.fabric8.kubernetes.api.model.events.v1.EventSeries;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.opendatahub.mlflow.webhook.audit.AuditEvent;
import io.opendatahub.mlflow.webhook.audit.AuditEvents;
import java.net.HttpURLConnection;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Audit Events through {@code events.k8s.io/v1}, the API that carries {@code reportingController}
 * and {@code series}; {@code kubectl get events} shows them like any other. Deduplication rests on
 * the deterministic name: a create that conflicts needs no read first, and costs one call when
 * nothing is new (a restart, a new leader).
 */
final class KubeEventWriter implements EventWriter {

  /** Label on every Event the service writes, as on its other objects. */
  static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  /** The API's limit on {@code reportingInstance}. */
  private static final int INSTANCE_LIMIT = 128;
  /** RFC 3339 with microseconds, as the API server writes a MicroTime. */
  private static final DateTimeFormatter MICRO_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX").withZone(ZoneOffset.UTC);

  private final KubernetesClient client;
  private final String instance;

  /** @param instance this replica (its pod name), the Event's {@code reportingInstance} */
  KubeEventWriter(KubernetesClient client, String instance) {
    this.client = client;
    this.instance = instance.length() <= INSTANCE_LIMIT ? instance
        : instance.substring(0, INSTANCE_LIMIT);
  }

  @Override
  public void write(AuditEvent event, Instant now) {
    var events = client.events().v1().events().inNamespace(event.namespace());
    try {
      events.resource(event(event, now)).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
      if (event.recurrence()) {
        // As client-go's event recorder does for an Event that happens again: one more in its
        // series, rather than a second Event that says the same.
        events.withName(event.name()).edit(existing -> countedAgain(existing, now));
      }
    }
  }

  private Event event(AuditEvent event, Instant now) {
    AuditEvent.Regarding about = event.regarding();
    ObjectReferenceBuilder regarding = new ObjectReferenceBuilder()
        .withApiVersion(about.apiVersion()).withKind(about.kind()).withName(about.name())
        .withNamespace(about.namespace());
    if (!about.uid().isEmpty()) {
      regarding.withUid(about.uid());
    }
    return new EventBuilder()
        .withNewMetadata().withName(event.name()).withNamespace(event.namespace())
        .addToLabels(MANAGED_BY, AuditEvents.CONTROLLER).endMetadata()
        .withEventTime(microTime(now))
        .withReportingController(AuditEvents.CONTROLLER)
        .withReportingInstance(instance)
        .withAction(AuditEvents.ACTION)
        .withReason(event.reason())
        .withType(event.type().wireName())
        .withNote(event.note())
        .withRegarding(regarding.build())
        .build();
  }

  private static Event countedAgain(Event existing, Instant now) {
    EventSeries series = existing.getSeries();
    int count = series == null || series.getCount() == null ? 2 : series.getCount() + 1;
    existing.setSeries(new EventSeries(count, microTime(now)));
    return existing;
  }

  static MicroTime microTime(Instant instant) {
    return new MicroTime(MICRO_TIME.format(instant));
  }
}
