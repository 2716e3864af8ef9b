package io.opendatahub.mlflow.webhook.audit;

import java.util.List;

/**
 * The latest verdict on one object of the cluster. Holds no part of the object itself, so the
 * audit's memory grows with the findings, not with the objects' size.
 *
 * @param namespace null for cluster-scoped objects (MLflow CRs)
 * @param results never empty: an object without findings has one {@code pass} result
 */
public record AuditedObject(String kind, String name, String namespace, String uid,
    String resourceVersion, List<AuditResult> results) {

  public AuditedObject {
    results = List.copyOf(results);
  }

  /** Whether any result is {@code fail}: admission would reject a CREATE of the object. */
  public boolean fails() {
    return results.stream().anyMatch(r -> r.result() == AuditResult.Status.FAIL);
  }

  /** {@code Kind/namespace/name}, or {@code Kind/name} when cluster-scoped: one per object. */
  public String key() {
    return key(kind, namespace, name);
  }

  public static String key(String kind, String namespace, String name) {
    return kind + "/" + (namespace == null || namespace.isEmpty() ? "" : namespace + "/") + name;
  }
}
