package io.opendatahub.mlflow.webhook.mlflow;

import io.opendatahub.mlflow.webhook.admission.Finding;
import io.opendatahub.mlflow.webhook.policy.StoreRules;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Metadata stores (runs, experiments, the model registry) must use a scheme the environment
 * allows. The operator's own CEL checks only the {@code sqlite://} prefix, so {@code
 * sqlite+pysqlite://} slips past it; here every scheme is judged by its family.
 */
final class MetadataStoreRules {

  static final String SCHEME_RULE = "metadata-store-scheme";
  static final String MISSING_RULE = "metadata-store-missing";

  private static final List<String> STORE_FIELDS =
      List.of("backendStoreUri", "registryStoreUri", "readReplicaBackendStoreUri");

  private MetadataStoreRules() {}

  static List<Finding> check(JsonNode spec, StoreRules rules, ServedEnvironment served) {
    List<Finding> findings = new ArrayList<>();
    for (String field : STORE_FIELDS) {
      String value = MLflowResource.text(spec, field);
      if (value == null) {
        continue;
      }
      StoreUri uri = new StoreUri(value);
      if (!rules.allows(uri.schemeFamily())) {
        findings.add(new Finding(SCHEME_RULE, rules.action(), "spec." + field,
            "'" + uri.redacted() + "' uses scheme " + uri.schemeFamily() + ", which "
                + served.describe() + " does not allow; allowed schemes: "
                + String.join(", ", rules.schemes()) + ". " + fixFor(field, rules)));
      }
    }
    boolean noBackend = MLflowResource.text(spec, "backendStoreUri") == null
        && !MLflowResource.present(spec, "backendStoreUriFrom");
    if (noBackend && !rules.allows("sqlite")) {
      findings.add(new Finding(MISSING_RULE, rules.action(), "spec.backendStoreUri",
          "neither backendStoreUri nor backendStoreUriFrom is set, so the operator falls back to"
              + " SQLite (" + MLflowResource.OPERATOR_FALLBACK_STORE + "), which "
              + served.describe() + " does not allow. Set spec.backendStoreUriFrom to a Secret"
              + " key holding a " + String.join(" or ", schemesAsUris(rules)) + " URI."));
    }
    return findings;
  }

  private static String fixFor(String field, StoreRules rules) {
    return "Use a " + String.join(" or ", schemesAsUris(rules)) + " database, preferably through"
        + " spec." + field + "From and a Secret.";
  }

  private static List<String> schemesAsUris(StoreRules rules) {
    return rules.schemes().stream().map(s -> s + "://").toList();
  }
}
