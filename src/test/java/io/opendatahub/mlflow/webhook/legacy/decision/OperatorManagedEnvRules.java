package io.opendatahub.mlflow.webhook.legacy.decision;

import io.opendatahub.mlflow.webhook.policy.MLflowRule;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Variables the operator's chart sets on the tracking server itself (its deployment template).
 * The chart renders the user's {@code env} after its own, so a second entry either breaks the
 * operator's server-side apply (duplicate key) or silently replaces what the CR says: a {@code
 * MLFLOW_BACKEND_STORE_URI} here would run the server on a store no store rule has judged.
 *
 * <p>{@code envFrom} cannot be read (the keys live in a ConfigMap or Secret), but its {@code
 * prefix} can: a prefix that begins one of these names yields it from a key named like the rest
 * (prefix {@code MLFLOW_} and key {@code BACKEND_STORE_URI}). An {@code envFrom} without a prefix
 * is not judged: it is how the operator's own samples pass S3 credentials, and its keys are
 * unknown. {@link ForbiddenEnvRules} judges the two variables that switch off protections in
 * {@code env}; a prefix that could yield them counts here.
 */
final class OperatorManagedEnvRules {

  /** Name to where the CR sets it instead (null: the operator alone decides). */
  static final Map<String, String> MANAGED = managed();
  /** Every name an envFrom prefix must not yield, sorted once for all requests. */
  private static final List<String> PREFIX_GUARDED = Stream.concat(MANAGED.keySet().stream(),
      ForbiddenEnvRules.FORBIDDEN.keySet().stream()).sorted().toList();

  private OperatorManagedEnvRules() {}

  private static Map<String, String> managed() {
    Map<String, String> names = new LinkedHashMap<>();
    names.put("MLFLOW_BACKEND_STORE_URI", "spec.backendStoreUri or spec.backendStoreUriFrom");
    names.put("MLFLOW_REGISTRY_STORE_URI", "spec.registryStoreUri or spec.registryStoreUriFrom");
    names.put("MLFLOW_READ_REPLICA_BACKEND_STORE_URI",
        "spec.readReplicaBackendStoreUri or spec.readReplicaBackendStoreUriFrom");
    names.put("MLFLOW_K8S_AUTH_AUTHORIZATION_MODE", null);
    names.put("MLFLOW_K8S_WORKSPACE_LABEL_SELECTOR", "spec.workspaceLabelSelector");
    names.put("MLFLOW_TRACE_ARCHIVAL_CONFIG", "spec.traceArchival");
    names.put("MLFLOW_SERVER_CORS_ALLOWED_ORIGINS", "spec.extraAllowedOrigins");
    names.put("MLFLOW_DISABLE_TELEMETRY", null);
    for (String tls : List.of("MLFLOW_S3_IGNORE_TLS", "MLFLOW_MYSQL_CA", "PGSSLMODE",
        "PGSSLROOTCERT", "AWS_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
        "SSL_CERT_FILE")) {
      names.put(tls, "spec.caBundleConfigMap");
    }
    return Collections.unmodifiableMap(names);
  }

  static void check(MLflowSpec spec, RuleFindings findings) {
    for (EnvVariable variable : spec.env()) {
      if (MANAGED.containsKey(variable.name())) {
        findings.add(MLflowRule.OPERATOR_MANAGED_ENV, variable.path("name"), () -> variable.name()
            + " is set by the operator; a second entry breaks its server-side apply or silently"
            + " overrides it. " + fix(variable.name()));
      }
    }
    for (EnvFromPrefix entry : spec.envFromPrefixes()) {
      String prefix = entry.prefix();
      if (yieldsAGuardedName(prefix)) {
        findings.add(MLflowRule.OPERATOR_MANAGED_ENV, entry.path(), () -> yieldMessage(prefix));
      }
    }
  }

  private static String yieldMessage(String prefix) {
    List<String> yielded = PREFIX_GUARDED.stream()
        .filter(name -> name.length() > prefix.length() && name.startsWith(prefix)).toList();
    String first = yielded.get(0);
    return "'" + prefix + "' could yield operator-managed " + String.join(", ", yielded)
        + " (e.g. " + first + " from a key named " + first.substring(prefix.length())
        + "); the keys are not visible here. Use a prefix none of these names starts with,"
        + " or drop the prefix and name the keys in full.";
  }

  /**
   * Whether a guarded name starts with {@code prefix} and is longer. The names that start with
   * it follow it in sorted order, so one binary search answers for any number of prefixes.
   */
  private static boolean yieldsAGuardedName(String prefix) {
    int at = Collections.binarySearch(PREFIX_GUARDED, prefix);
    int next = at >= 0 ? at + 1 : -at - 1;
    return next < PREFIX_GUARDED.size() && PREFIX_GUARDED.get(next).startsWith(prefix);
  }

  private static String fix(String name) {
    String instead = MANAGED.get(name);
    return instead == null ? "Remove this entry." : "Remove this entry and set " + instead + ".";
  }
}
