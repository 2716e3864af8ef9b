package io.opendatahub.mlflow.webhook.audit;

import io.opendatahub.mlflow.webhook.audit.AuditResult.Status;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the audit knows at one moment: the policy it judged by, and the latest verdict on every
 * object it watches, sorted by key.
 *
 * @param complete false until the cluster's objects and namespaces have been listed once and
 *     judged: until then objects may be missing and environments assumed strictest. A kind the
 *     API server does not serve has no objects, so it does not keep a report incomplete
 * @param unserved the kinds the API server does not serve (no CRD), each with why, by kind
 */
public record AuditReport(Instant generatedAt, String policyName, String policyHash,
    boolean complete, List<AuditedObject> objects, Map<String, String> unserved) {

  public AuditReport {
    objects = List.copyOf(objects);
    unserved = Collections.unmodifiableMap(new TreeMap<>(unserved));
  }

  /** A report with every kind served. */
  public AuditReport(Instant generatedAt, String policyName, String policyHash,
      boolean complete, List<AuditedObject> objects) {
    this(generatedAt, policyName, policyHash, complete, objects, Map.of());
  }

  /** Counts of objects, of non-compliant objects (any fail) and of results by status. */
  public Summary summary() {
    Map<Status, Integer> results = new EnumMap<>(Status.class);
    for (Status status : Status.values()) {
      results.put(status, 0);
    }
    int failing = 0;
    for (AuditedObject object : objects) {
      object.results().forEach(r -> results.merge(r.result(), 1, Integer::sum));
      failing += object.fails() ? 1 : 0;
    }
    return new Summary(objects.size(), failing, Map.copyOf(results));
  }

  /** The same report with only the results of {@code status}, and only objects that have one. */
  public AuditReport only(Status status) {
    return new AuditReport(generatedAt, policyName, policyHash, complete, objects.stream()
        .map(o -> new AuditedObject(o.kind(), o.name(), o.namespace(), o.uid(),
            o.resourceVersion(), o.results().stream().filter(r -> r.result() == status).toList()))
        .filter(o -> !o.results().isEmpty()).toList(), unserved);
  }

  /** Report totals. */
  public record Summary(int objects, int noncompliant, Map<Status, Integer> results) {}
}
