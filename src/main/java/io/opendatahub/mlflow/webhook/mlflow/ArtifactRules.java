package io.opendatahub.mlflow.webhook.mlflow;

import io.opendatahub.mlflow.webhook.mlflow.MLflowSpec.Location;
import io.opendatahub.mlflow.webhook.policy.MLflowRule;
import io.opendatahub.mlflow.webhook.policy.StoreRules;

/**
 * Artifact locations must use a scheme the environment allows, and be consistent with {@code
 * serveArtifacts} the way the operator requires (its CEL rules, enforced here as well for
 * clusters whose operator predates them). A proxied root ({@code mlflow-artifacts:/}) is judged
 * by where the data lands, the artifacts destination, not by its own scheme.
 */
final class ArtifactRules {

  /** MLflow's scheme for artifacts proxied through the tracking server. */
  private static final String PROXY_SCHEME = "mlflow-artifacts";

  private ArtifactRules() {}

  static void check(MLflowSpec spec, RuleFindings findings) {
    StoreRules allowed = findings.rules().artifacts();
    StoreUri root = spec.writtenUri("defaultArtifactRoot");
    boolean proxied = proxiedRoot(root);
    for (Location location : spec.artifactLocations()) {
      String family = location.uri().schemeFamily();
      if (allowed.allows(family)
          || proxied && location.field().equals("defaultArtifactRoot")) {
        // A proxied root is judged where its data lands: artifactsDestination, below.
        continue;
      }
      String via = proxied && location.field().equals("artifactsDestination")
          ? ", where the proxied defaultArtifactRoot '"
              + root.redacted() + "' puts the data"
          : "";
      String value = location.implicit()
          ? "unset, so the operator serves artifacts from '" + location.uri().redacted() + "'"
              + via + ", which"
          : "'" + location.uri().redacted() + "' uses scheme " + family + via + ", which";
      findings.add(MLflowRule.ARTIFACT_SCHEME, location.path(), value + " "
          + findings.environment()
          + " does not allow; allowed schemes: " + String.join(", ", allowed.schemes())
          + ". Point it at object storage, e.g. "
          + allowed.schemes().get(0) + "://BUCKET/PATH.");
    }
    checkServing(spec, findings);
  }

  /**
   * MLflow's proxied root, {@code mlflow-artifacts:/PATH} (or {@code mlflow-artifacts:///PATH}):
   * clients upload through this tracking server, which writes to its {@code
   * artifactsDestination}. With a host ({@code mlflow-artifacts://HOST/PATH}) the data goes
   * through another server, whose destination the webhook cannot see; that is judged by scheme.
   */
  static boolean proxiedRoot(StoreUri root) {
    if (root == null || !root.schemeFamily().equals(PROXY_SCHEME)) {
      return false;
    }
    int rest = PROXY_SCHEME.length() + 1;
    return !root.raw().startsWith("//", rest) || root.raw().startsWith("///", rest);
  }

  private static void checkServing(MLflowSpec spec, RuleFindings findings) {
    if (spec.serveArtifacts()) {
      return;
    }
    StoreUri root = spec.writtenUri("defaultArtifactRoot");
    if (proxiedRoot(root)) {
      findings.add(MLflowRule.ARTIFACT_SERVING, "spec.serveArtifacts",
          "must be true when defaultArtifactRoot is the proxied root '"
              + root.redacted() + "': clients send"
              + " artifacts through the tracking server, which refuses them when it does not serve"
              + " artifacts. Set spec.serveArtifacts: true and spec.artifactsDestination (e.g."
              + " s3://BUCKET/PATH), or point defaultArtifactRoot at object storage.");
    } else if (root == null) {
      findings.add(MLflowRule.ARTIFACT_SERVING, "spec.defaultArtifactRoot",
          "must be set when serveArtifacts is not true: clients then write artifacts there"
              + " directly. Set it (e.g. s3://BUCKET/PATH) or set spec.serveArtifacts: true.");
    } else if (root.isFileBased()) {
      findings.add(MLflowRule.ARTIFACT_SERVING, "spec.serveArtifacts",
          "must be true when defaultArtifactRoot is file-based ('" + root.redacted()
              + "'): clients cannot write to the server's volume. Set spec.serveArtifacts: true.");
    }
    StoreUri destination = spec.writtenUri("artifactsDestination");
    if (destination != null && destination.isFileBased()) {
      findings.add(MLflowRule.ARTIFACT_SERVING, "spec.serveArtifacts",
          "must be true when artifactsDestination is file-based ('"
              + destination.redacted() + "'). Set spec.serveArtifacts: true.");
    }
  }
}
