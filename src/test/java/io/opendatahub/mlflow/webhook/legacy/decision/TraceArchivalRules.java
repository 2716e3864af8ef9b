package io.opendatahub.mlflow.webhook.legacy.decision;

import io.opendatahub.mlflow.webhook.legacy.decision.MLflowSpec.Location;
import io.opendatahub.mlflow.webhook.policy.MLflowRule;
import io.opendatahub.mlflow.webhook.policy.StoreRules;

/**
 * Trace archival moves span payloads out of the database into an artifact repository, so its
 * location answers to the environment's artifact schemes ({@code artifact-scheme}); a {@code
 * file://} location also needs the volume ({@code storage-required}, via {@link
 * MLflowSpec#fileBasedLocations()}) and is checked for credentials by {@link CredentialRules}.
 */
final class TraceArchivalRules {

  private TraceArchivalRules() {}

  static void check(MLflowSpec spec, RuleFindings findings) {
    StoreRules allowed = findings.rules().artifacts();
    for (Location location : spec.traceArchivalLocations()) {
      String family = location.uri().schemeFamily();
      if (!allowed.allows(family)) {
        findings.add(MLflowRule.ARTIFACT_SCHEME, location.path(), "'" + location.uri().redacted()
            + "' would archive traces with scheme " + family + ", which "
            + findings.environment() + " does not allow for artifacts; allowed schemes: "
            + String.join(", ", allowed.schemes()) + ". Archive to object storage, e.g. "
            + allowed.schemes().get(0) + "://BUCKET/traces.");
      }
    }
  }
}
