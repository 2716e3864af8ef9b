package io.opendatahub.mlflow.webhook.server;

/**
 * Every metric the service exposes, in one place: the README's metrics table lists them, and
 * {@code MetricsTableTest} holds the two together.
 */
final class MetricNames {

  // Names in Micrometer's dotted form; Prometheus shows them with underscores, and timers and
  // counters with their _seconds and _total suffixes.
  static final String ADMISSION = "mlflow.webhook.admission";
  static final String POLICY_FINDINGS = "mlflow.webhook.policy.findings";
  static final String AUTHORIZATION = "mlflow.webhook.authorization";
  static final String ROUTE_CHECKS = "mlflow.webhook.route.checks";
  static final String UPSTREAM = "mlflow.webhook.authorization.upstream";
  static final String CACHE_HITS = "mlflow.webhook.authorization.cache.hits";
  static final String CACHE_MISSES = "mlflow.webhook.authorization.cache.misses";
  static final String CACHE_SIZE = "mlflow.webhook.authorization.cache.size";
  static final String RECONCILE_ACTIONS = "mlflow.webhook.reconcile.actions";
  static final String MANAGED_BINDINGS = "mlflow.webhook.managed.rolebindings";
  static final String POLICY_INFO = "mlflow.webhook.policy.info";
  static final String POLICY_RELOADS = "mlflow.webhook.policy.reloads";
  static final String POLICY_RELOAD_FAILING = "mlflow.webhook.policy.reload.failing";
  static final String CERTIFICATE_EXPIRY = "mlflow.webhook.tls.certificate.expiry.timestamp";
  static final String CERTIFICATE_RELOADS = "mlflow.webhook.tls.reloads";
  static final String AUDIT_RESULTS = "mlflow.webhook.audit.results";
  static final String AUDIT_NONCOMPLIANT = "mlflow.webhook.audit.noncompliant.objects";
  static final String AUDIT_COMPLETE = "mlflow.webhook.audit.complete";
  static final String AUDIT_LAST_PASS = "mlflow.webhook.audit.last.pass.timestamp";
  static final String AUDIT_INTERVAL = "mlflow.webhook.audit.interval";

  private MetricNames() {}
}
