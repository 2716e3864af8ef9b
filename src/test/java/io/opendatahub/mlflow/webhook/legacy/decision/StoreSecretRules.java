package io.opendatahub.mlflow.webhook.legacy.decision;

import io.opendatahub.mlflow.webhook.policy.MLflowRule;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * {@code optional: true} on a store's Secret reference: when the Secret or key is missing the pod
 * starts anyway, without the variable, and MLflow falls back to its own default, a store inside
 * the container that is lost on the next restart. Runs seem to log fine until then. The read
 * replica is left out: without it MLflow reads from the primary store, nothing is lost.
 */
final class StoreSecretRules {

  private static final List<String> FIELDS = List.of("backendStoreUriFrom", "registryStoreUriFrom");

  private StoreSecretRules() {}

  static void check(MLflowSpec spec, RuleFindings findings) {
    for (String field : FIELDS) {
      JsonNode optional = spec.node(field) == null ? null : spec.node(field).get("optional");
      if (optional != null && optional.isBoolean() && optional.booleanValue()) {
        findings.add(MLflowRule.STORE_SECRET_OPTIONAL, "spec." + field + ".optional",
            "with optional: true a missing Secret or key starts MLflow without this store: it"
                + " falls back to a store inside the container and loses what is written there on"
                + " the next restart. Remove optional (or set it to false) so the pod waits for"
                + " the Secret.");
      }
    }
  }
}
