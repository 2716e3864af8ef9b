package io.opendatahub.mlflow.webhook.legacy.decision;

import io.opendatahub.mlflow.webhook.mlflow.Excerpt;
import io.opendatahub.mlflow.webhook.legacy.decision.MLflowSpec.Location;
import io.opendatahub.mlflow.webhook.policy.MLflowRule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * TLS to the metadata database that checks nobody's certificate. The operator sets {@code
 * PGSSLMODE=verify-full} and {@code MLFLOW_MYSQL_CA} only when a CA bundle is mounted: {@code
 * spec.caBundleConfigMap}, or the platform's {@code odh-trusted-ca-bundle} ConfigMap in the
 * deployment namespace, which this webhook cannot see (hence a warning by default). Without
 * one, libpq's default {@code sslmode=prefer} encrypts without verifying and may even fall back
 * to plain text, and PyMySQL verifies nothing. An {@code sslmode} written in the URI beats the
 * operator's variable, so a weak one is reported even with a bundle.
 *
 * <p>S3 is not judged: boto3 verifies against its own CA list whether or not a bundle is
 * mounted, so a private CA fails loudly rather than going unverified; the switch that would
 * turn verification off ({@code MLFLOW_S3_IGNORE_TLS}) is an operator-managed variable.
 */
final class DatabaseTlsRules {

  private static final Set<String> VERIFYING_MODES = Set.of("verify-ca", "verify-full");
  private static final Set<String> WEAK_MODES = Set.of("disable", "allow", "prefer", "require");
  private static final List<String> SECRET_FIELDS = List.of("backendStoreUriFrom",
      "registryStoreUriFrom", "readReplicaBackendStoreUriFrom");
  private static final String FIX = "Set spec.caBundleConfigMap to a ConfigMap with the CA that"
      + " signed the database's certificate (the operator then verifies it), unless the"
      + " platform's odh-trusted-ca-bundle in the deployment namespace already holds that CA.";

  private DatabaseTlsRules() {}

  static void check(MLflowSpec spec, RuleFindings findings) {
    boolean bundle = spec.node("caBundleConfigMap") != null;
    for (Location store : spec.metadataStores()) {
      String family = store.uri().schemeFamily();
      String sslmode = store.uri().queryValue("sslmode");
      String mode = sslmode == null ? null : sslmode.toLowerCase(Locale.ROOT);
      if (family.equals("postgresql") && mode != null && WEAK_MODES.contains(mode)) {
        findings.add(MLflowRule.DATABASE_TLS, store.path(), "'" + store.uri().redacted()
            + "' sets sslmode=" + Excerpt.of(sslmode) + ", which does not verify the database's"
            + " certificate and overrides the operator's PGSSLMODE=verify-full. Use sslmode=verify-full.");
      } else if (!bundle && family.equals("postgresql") && mode == null) {
        findings.add(MLflowRule.DATABASE_TLS, store.path(), "'" + store.uri().redacted()
            + "' is reached with PostgreSQL's default sslmode (prefer), which does not verify"
            + " the database's certificate and may fall back to plain text. " + FIX);
      } else if (!bundle && family.equals("mysql") && store.uri().queryValue("ssl_ca") == null) {
        findings.add(MLflowRule.DATABASE_TLS, store.path(), "'" + store.uri().redacted()
            + "' is reached without a CA (no ssl_ca), so the database's certificate is not"
            + " verified. " + FIX);
      }
    }
    if (bundle) {
      return;
    }
    // One finding per Secret: the operator's own sample reads the primary and the read replica
    // from one Secret, and one missing bundle is one cause with one fix.
    Map<String, List<String>> fieldsBySecret = new LinkedHashMap<>();
    for (String field : SECRET_FIELDS) {
      JsonNode from = spec.node(field);
      if (from != null && from.isObject()) {
        fieldsBySecret.computeIfAbsent(from.path("name").asString(""), name -> new ArrayList<>())
            .add(field);
      }
    }
    fieldsBySecret.forEach((secret, fields) -> findings.add(MLflowRule.DATABASE_TLS,
        "spec." + fields.get(0), (fields.size() == 1 ? "the store URI comes"
            : "the store URIs of " + String.join(", ", fields) + " come") + " from Secret '"
            + Excerpt.of(secret) + "'; unless " + (fields.size() == 1 ? "that URI verifies" : "each"
            + " URI verifies") + " the certificate itself (sslmode=verify-full, ssl_ca), TLS to the"
            + " database is not verified without a CA bundle. " + FIX));
  }
}
