package io.opendatahub.mlflow.webhook.mlflow;

import io.opendatahub.mlflow.webhook.policy.MLflowRule;

/**
 * An empty string where a URI belongs is not "unset": the operator passes {@code
 * backendStoreUri: ""} or {@code artifactsDestination: ""} on as is and drops an empty {@code
 * defaultArtifactRoot} that the CRD's CEL counted as set; either way the server starts on
 * MLflow's own default inside the container, or not at all. RHOAI 3.4+ CRDs reject an empty
 * backend store; no release rejects an empty artifact location.
 */
final class EmptyUriRules {

  private EmptyUriRules() {}

  static void check(MLflowSpec spec, RuleFindings findings) {
    for (String field : spec.blankUriFields()) {
      findings.add(MLflowRule.EMPTY_URI, "spec." + field, "is empty. Set a URI, or remove the"
          + " field: the operator does not treat an empty URI as unset, and MLflow then falls"
          + " back to a location inside the container.");
    }
  }
}
