package io.opendatahub.mlflow.webhook.legacy.decision;

import io.opendatahub.mlflow.webhook.policy.MLflowRule;
import java.util.Map;

/**
 * Environment variables that switch off the tracking server's protections. The operator sets
 * them itself; RHOAI 3.4 forbids the first in its CEL and 3.5 the second, older ones neither.
 */
final class ForbiddenEnvRules {

  static final Map<String, String> FORBIDDEN = Map.of(
      "MLFLOW_SERVER_DISABLE_SECURITY_MIDDLEWARE",
      "it turns off the server's host and CORS protections",
      "MLFLOW_SERVER_ENABLE_JOB_EXECUTION",
      "the operator manages job execution and sets it itself");

  private ForbiddenEnvRules() {}

  static void check(MLflowSpec spec, RuleFindings findings) {
    for (EnvVariable variable : spec.env()) {
      String reason = FORBIDDEN.get(variable.name());
      if (reason != null) {
        findings.add(MLflowRule.FORBIDDEN_ENV, variable.path("name"), variable.name()
            + " must not be set: " + reason + ". Remove this entry.");
      }
    }
  }
}
