package io.opendatahub.mlflow.webhook.mlflow;

import io.opendatahub.mlflow.webhook.mlflow.MLflowSpec.Location;
import io.opendatahub.mlflow.webhook.policy.MLflowRule;
import io.opendatahub.mlflow.webhook.policy.StoreRules;

/**
 * Artifact locations must use a scheme the environment allows, and be consistent with {@code
 * serveArtifacts} the way the operator requires (its CEL rules, enforced here as well for
 * clusters whose operator predates them).
 */
final class ArtifactRules {

  private ArtifactRules() {}

  static void check(MLflowSpec spec, RuleFindings findings) {
    StoreRules allowed = findings.rules().artifacts();
    for (Location location : spec.artifactLocations()) {
      String family = location.uri().schemeFamily();
      if (allowed.allows(family)) {
        continue;
      }
      String value = location.implicit()
          ? "unset, so the operator serves artifacts from '" + location.uri().redacted() + "',"
          : "'" + location.uri().redacted() + "' uses scheme " + family + ", which";
      findings.add(MLflowRule.ARTIFACT_SCHEME, location.path(), value + " "
          + (location.implicit() ? "which " : "") + findings.environment()
          + " does not allow; allowed schemes: " + String.join(", ", allowed.schemes())
          + ". Point it at object storage, e.g. "
          + allowed.schemes().get(0) + "://BUCKET/PATH.");
    }
    checkServing(spec, findings);
  }

  private static void checkServing(MLflowSpec spec, RuleFindings findings) {
    if (spec.serveArtifacts()) {
      return;
    }
    String root = spec.text("defaultArtifactRoot");
    if (root == null) {
      findings.add(MLflowRule.ARTIFACT_SERVING, "spec.defaultArtifactRoot",
          "must be set when serveArtifacts is not true: clients then write artifacts there"
              + " directly. Set it (e.g. s3://BUCKET/PATH) or set spec.serveArtifacts: true.");
    } else if (new StoreUri(root).isFileBased()) {
      findings.add(MLflowRule.ARTIFACT_SERVING, "spec.serveArtifacts",
          "must be true when defaultArtifactRoot is file-based ('" + new StoreUri(root).redacted()
              + "'): clients cannot write to the server's volume. Set spec.serveArtifacts: true.");
    }
    String destination = spec.text("artifactsDestination");
    if (destination != null && new StoreUri(destination).isFileBased()) {
      findings.add(MLflowRule.ARTIFACT_SERVING, "spec.serveArtifacts",
          "must be true when artifactsDestination is file-based ('"
              + new StoreUri(destination).redacted() + "'). Set spec.serveArtifacts: true.");
    }
  }
}
