package io.opendatahub.mlflow.webhook.audit;

/**
 * The two policy-report APIs the audit can publish to, most preferred first: Kyverno and Policy
 * Reporter are moving from {@code wgpolicyk8s.io} to {@code openreports.io}, whose results have
 * the same wire keys and which adds a report-level {@code source}.
 *
 * @param namespacedKind the report of a namespaced object (a RoleBinding), in its namespace
 * @param clusterKind the report of a cluster-scoped object (an MLflow CR)
 * @param reportSource whether the report itself names its producer ({@code source})
 */
public enum ReportApi {
  OPENREPORTS("openreports.io", "v1alpha1", "Report", "reports", "ClusterReport",
      "clusterreports", true),
  WGPOLICY("wgpolicyk8s.io", "v1alpha2", "PolicyReport", "policyreports", "ClusterPolicyReport",
      "clusterpolicyreports", false);

  private final String group;
  private final String version;
  private final String namespacedKind;
  private final String namespacedPlural;
  private final String clusterKind;
  private final String clusterPlural;
  private final boolean reportSource;

  ReportApi(String group, String version, String namespacedKind, String namespacedPlural,
      String clusterKind, String clusterPlural, boolean reportSource) {
    this.group = group;
    this.version = version;
    this.namespacedKind = namespacedKind;
    this.namespacedPlural = namespacedPlural;
    this.clusterKind = clusterKind;
    this.clusterPlural = clusterPlural;
    this.reportSource = reportSource;
  }

  public String group() {
    return group;
  }

  public String version() {
    return version;
  }

  public String apiVersion() {
    return group + "/" + version;
  }

  public String namespacedKind() {
    return namespacedKind;
  }

  public String namespacedPlural() {
    return namespacedPlural;
  }

  public String clusterKind() {
    return clusterKind;
  }

  public String clusterPlural() {
    return clusterPlural;
  }

  public boolean reportSource() {
    return reportSource;
  }

  /** The report kind for an object in {@code namespace} (null or empty: cluster-scoped). */
  public String kindFor(String namespace) {
    return namespace == null || namespace.isEmpty() ? clusterKind : namespacedKind;
  }
}
