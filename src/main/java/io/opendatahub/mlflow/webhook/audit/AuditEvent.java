package io.opendatahub.mlflow.webhook.audit;

import java.util.Locale;

/**
 * One Kubernetes Event the audit wants written about one object: what {@link AuditEvents}
 * decided, in the Events API's own terms, so the writer only copies fields.
 *
 * @param name deterministic: the same object with the same findings always gets the same name,
 *     so a second create of it (another pass, a restart, a new leader) is a conflict, not a
 *     second Event
 * @param namespace the object's namespace, or {@code default} for a cluster-scoped object (where
 *     the API server accepts Events about objects without a namespace)
 * @param note the findings, at most {@link AuditEvents#NOTE_LIMIT} UTF-8 bytes
 * @param object which object this is about, for {@link AuditEvents#unwritten}: its uid (its key
 *     when it has none)
 * @param findings the digest of the findings the event tells of
 * @param recurrence true when this replica saw the object's findings change to these: an Event of
 *     the same name that exists already is an earlier occurrence, counted again; false at first
 *     sight (after a start or a change of leader), where an existing Event is this one
 */
public record AuditEvent(String name, String namespace, Type type, String reason, String note,
    Regarding regarding, String object, String findings, boolean recurrence) {

  /** The two Event types the API server accepts. */
  public enum Type {
    NORMAL,
    WARNING;

    /** "Normal" or "Warning", as the API spells them. */
    public String wireName() {
      String lower = name().toLowerCase(Locale.ROOT);
      return Character.toUpperCase(lower.charAt(0)) + lower.substring(1);
    }
  }

  /**
   * The object the Event is about ({@code regarding} / {@code involvedObject}).
   *
   * @param namespace null for a cluster-scoped object
   */
  public record Regarding(String apiVersion, String kind, String name, String namespace,
      String uid) {}
}
