package io.opendatahub.mlflow.webhook.kube;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.opendatahub.mlflow.webhook.audit.AuditEvent;
import io.opendatahub.mlflow.webhook.audit.AuditEvents;
import io.opendatahub.mlflow.webhook.audit.AuditedObject;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the audit's results into Kubernetes Events on the objects, in the replica that leads
 * (only one replica writes). Each audit pass hands over its results; the publisher's own thread
 * decides ({@link AuditEvents}) and writes, so neither the audit's worker nor an event loop waits
 * for the API server. Only the latest results are kept (passes that come faster than the writes
 * coalesce), so what waits is bounded by the audited objects, not by how often they change.
 */
public final class AuditEventPublisher implements Consumer<Collection<AuditedObject>>,
    AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(AuditEventPublisher.class);

  private final AuditEvents decisions = new AuditEvents();
  private final EventWriter writer;
  private final Leadership leader;
  private final Worker worker;
  private final Clock clock;
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private volatile List<AuditedObject> latest = List.of();
  /** Touched on the worker only. */
  private boolean leading;
  private boolean failing;

  /**
   * @param instance this replica (its pod name), named in every Event it writes
   * @param leader whether this replica holds the Lease: only the leader writes Events
   */
  public AuditEventPublisher(KubernetesClient client, String instance, Leadership leader) {
    this(new KubeEventWriter(client, instance), leader, Worker.thread("audit-events"),
        Clock.systemUTC());
  }

  AuditEventPublisher(EventWriter writer, Leadership leader, Worker worker, Clock clock) {
    this.writer = writer;
    this.leader = leader;
    this.worker = worker;
    this.clock = clock;
    // A replica that becomes leader tells what the results say now, without waiting for the
    // next pass (up to the audit period away when nothing changes).
    leader.onLeadingChange(now -> worker.after(Duration.ZERO, this::publish));
  }

  /** The results of one audit pass; called on the audit's worker. Returns at once. */
  @Override
  public void accept(Collection<AuditedObject> objects) {
    latest = List.copyOf(objects);
    if (scheduled.compareAndSet(false, true)) {
      worker.after(Duration.ZERO, () -> {
        scheduled.set(false);
        publish();
      });
    }
  }

  /** On the worker: the Events the latest results call for, written while leading. */
  private void publish() {
    boolean wasLeading = leading;
    leading = leader.leading();
    if (!leading) {
      if (wasLeading) {
        decisions.forget();
      }
      return;
    }
    List<AuditEvent> events = decisions.changes(latest);
    for (int i = 0; i < events.size(); i++) {
      AuditEvent event = events.get(i);
      if (!leader.leading() || !write(event)) {
        // Not the leader any more, or the API server is away: leave the rest to the next pass
        // rather than wait out a timeout per Event.
        events.subList(i, events.size()).forEach(decisions::unwritten);
        return;
      }
    }
  }

  /** False when the API server could not take it and the ones after would fare no better. */
  private boolean write(AuditEvent event) {
    try {
      writer.write(event, clock.instant());
      if (failing) {
        failing = false;
        LOG.info("audit Events are written again");
      }
      return true;
    } catch (KubernetesClientException e) {
      decisions.unwritten(event);
      failed(event, "HTTP " + e.getCode() + ": " + Causes.describe(e));
      int code = e.getCode();
      return code == HttpURLConnection.HTTP_NOT_FOUND || code == 422;
    } catch (RuntimeException e) {
      decisions.unwritten(event);
      failed(event, Causes.describe(e));
      return false;
    }
  }

  /** Logged once until a write succeeds again: a missing permission must not flood the log. */
  private void failed(AuditEvent event, String why) {
    if (!failing) {
      failing = true;
      LOG.warn("writing audit Event {}/{} failed ({}); the next audit pass tries again, further "
          + "failures are logged at debug level until one succeeds", event.namespace(),
          event.name(), why);
    } else {
      LOG.debug("writing audit Event {}/{} failed ({})", event.namespace(), event.name(), why);
    }
  }

  @Override
  public void close() {
    worker.close();
  }
}
