package io.opendatahub.mlflow.webhook.audit;

import tools.jackson.databind.JsonNode;

/**
 * Which report object: its kind, namespace ({@code ""} for cluster-scoped reports) and name.
 */
public record ReportKey(String kind, String namespace, String name) {

  public ReportKey {
    namespace = namespace == null ? "" : namespace;
  }

  /** The key of a report object as stored or built. */
  public static ReportKey of(JsonNode report) {
    JsonNode metadata = report.path("metadata");
    return new ReportKey(report.path("kind").asString(""),
        metadata.path("namespace").asString(""), metadata.path("name").asString(""));
  }

  public boolean clusterScoped() {
    return namespace.isEmpty();
  }

  @Override
  public String toString() {
    return kind + " " + (clusterScoped() ? "" : namespace + "/") + name;
  }
}
