package io.opendatahub.mlflow.webhook.mlflow;

import io.opendatahub.mlflow.webhook.mlflow.MLflowSpec.Location;
import io.opendatahub.mlflow.webhook.policy.MLflowRule;
import io.opendatahub.mlflow.webhook.policy.StoreRules;
import java.util.List;

/**
 * Metadata stores (runs, experiments, the model registry) must use a scheme the environment
 * allows. The operator's own CEL checks only the {@code sqlite://} prefix, so {@code
 * sqlite+pysqlite://} slips past it; here every scheme is judged by its family.
 */
final class MetadataStoreRules {

  private MetadataStoreRules() {}

  static void check(MLflowSpec spec, RuleFindings findings) {
    StoreRules allowed = findings.rules().backendStore();
    for (Location store : spec.metadataStores()) {
      String family = store.uri().schemeFamily();
      if (family.equals("file")) {
        findings.add(MLflowRule.METADATA_STORE_FILE, store.path(), "'" + store.uri().redacted()
            + "' is a file store, which MLflow cannot use for runs and the model registry"
            + " (operators from RHOAI 3.5 reject it too). " + fix(store.field(), allowed));
      } else if (!allowed.allows(family)) {
        findings.add(MLflowRule.METADATA_STORE_SCHEME, store.path(), "'" + store.uri().redacted()
            + "' uses scheme " + family + ", which " + findings.environment()
            + " does not allow; allowed schemes: " + String.join(", ", allowed.schemes()) + ". "
            + fix(store.field(), allowed));
      }
    }
    if (spec.usesFallbackStore() && !allowed.allows("sqlite")) {
      findings.add(MLflowRule.METADATA_STORE_MISSING, "spec.backendStoreUri",
          "neither backendStoreUri nor backendStoreUriFrom is set, so the operator falls back to"
              + " SQLite (" + MLflowResource.OPERATOR_FALLBACK_STORE + "), which "
              + findings.environment() + " does not allow. Set spec.backendStoreUriFrom to a"
              + " Secret key holding a " + uris(allowed) + " URI.");
    }
  }

  private static String fix(String field, StoreRules allowed) {
    return "Use a " + uris(allowed) + " database, preferably through spec." + field
        + "From and a Secret.";
  }

  /** "postgresql:// or mysql://": the allowed schemes but file, each as a URI start. */
  private static String uris(StoreRules allowed) {
    List<String> schemes = allowed.schemes().isEmpty()
        ? List.of("postgresql", "mysql") : allowed.schemes();
    StringBuilder uris = new StringBuilder(32);
    for (String scheme : schemes) {
      if (!scheme.equals("file")) {
        uris.append(uris.isEmpty() ? "" : " or ").append(scheme).append("://");
      }
    }
    return uris.toString();
  }
}
