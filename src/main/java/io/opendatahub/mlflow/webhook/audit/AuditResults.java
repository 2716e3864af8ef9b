package io.opendatahub.mlflow.webhook.audit;

import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * The latest verdict per object, one entry per object the audit watches (bounded by the
 * cluster's objects, never by how often they change). Written by the audit's worker, read by
 * any thread ({@code GET /audit}, metrics) without locking.
 */
public final class AuditResults {

  /** The policy a report names: the one its results were judged by. */
  public record PolicyName(String name, String hash) {}

  private final Map<String, AuditedObject> objects = new ConcurrentHashMap<>();
  /** Kinds the API server does not serve, with why: none of them exist to be judged. */
  private final Map<String, String> unserved = new ConcurrentHashMap<>();
  private final BooleanSupplier complete;
  private volatile PolicyName policy;

  /**
   * @param policy the policy in force when the audit starts
   * @param complete whether every object has been listed and judged at least once
   */
  public AuditResults(PolicyName policy, BooleanSupplier complete) {
    this.policy = policy;
    this.complete = complete;
  }

  /**
   * The policy of the latest pass. A report names it, not the policy in force: just after a
   * change, the results are still the old policy's until the pass it triggers has run.
   */
  public void judgedBy(PolicyName policy) {
    this.policy = policy;
  }

  /**
   * Records that the API server does not serve {@code kind} ({@code reason} says why, for the
   * report), or, with a null reason, that it does again.
   */
  public void unserved(String kind, String reason) {
    if (reason == null) {
      unserved.remove(kind);
    } else {
      unserved.put(kind, reason);
    }
  }

  public void put(AuditedObject object) {
    objects.put(object.key(), object);
  }

  public void remove(String key) {
    objects.remove(key);
  }

  /** Drops every entry whose key is not in {@code present}: objects gone or no longer audited. */
  public void retain(Set<String> present) {
    objects.keySet().retainAll(present);
  }

  public Collection<AuditedObject> objects() {
    return objects.values();
  }

  /** Everything known now, as of {@code now}. */
  public AuditReport report(Instant now) {
    PolicyName name = policy;
    return new AuditReport(now, name.name(), name.hash(), complete.getAsBoolean(),
        objects.values().stream().sorted(Comparator.comparing(AuditedObject::key)).toList(),
        new TreeMap<>(unserved));
  }
}
