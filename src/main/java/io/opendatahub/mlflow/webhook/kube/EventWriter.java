package io.opendatahub.mlflow.webhook.kube;

import io.opendatahub.mlflow.webhook.audit.AuditEvent;
import java.time.Instant;

/**
 * Writes one audit Event to the cluster. Blocking: called only on the Event publisher's own
 * thread. An interface so the decision of what to write is tested apart from the API calls.
 */
interface EventWriter {

  /**
   * Creates {@code event}; an Event of that name that exists already is this one (done), or, for
   * a {@linkplain AuditEvent#recurrence() recurrence}, an earlier occurrence counted once more.
   *
   * @throws io.fabric8.kubernetes.client.KubernetesClientException when the API server refuses
   *     or cannot be reached
   */
  void write(AuditEvent event, Instant now);
}
