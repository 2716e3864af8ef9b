package io.opendatahub.mlflow.webhook.legacy.decision;

import io.opendatahub.mlflow.webhook.legacy.decision.MLflowSpec.Location;
import io.opendatahub.mlflow.webhook.policy.MLflowRule;
import java.util.ArrayList;
import java.util.List;

/**
 * A password written into a URI is readable by everyone who can read the cluster-scoped CR and
 * the operator's Deployment; nothing in the operator rejects it. Covers every URI field, in the
 * user info ({@code user:pw@host}) or the query ({@code ?password=pw}); {@link EnvCredentialRules}
 * covers the same leak through {@code env}. The message shows the URI redacted, never the secret.
 */
final class CredentialRules {

  private CredentialRules() {}

  static void check(MLflowSpec spec, RuleFindings findings) {
    List<Location> locations = new ArrayList<>(spec.metadataStores());
    locations.addAll(spec.artifactLocations());
    locations.addAll(spec.traceArchivalLocations());
    for (Location location : locations) {
      if (location.implicit() || !location.uri().hasInlineCredentials()) {
        continue;
      }
      boolean metadata = MLflowSpec.METADATA_FIELDS.contains(location.field());
      findings.add(MLflowRule.INLINE_CREDENTIALS, location.path(), "'" + location.uri().redacted()
          + "' carries " + what(location.uri()) + " inline, visible to anyone who can read the"
          + " MLflow CR. " + (metadata
              ? "Put the URI in a Secret and reference it with spec." + location.field() + "From."
              : "Pass credentials through spec.envFrom and a Secret instead."));
    }
    EnvCredentialRules.check(spec, findings);
  }

  /** "a password" or "a credential in its query", for messages. */
  static String what(StoreUri uri) {
    return uri.hasInlinePassword() ? "a password" : "a credential in its query";
  }
}
