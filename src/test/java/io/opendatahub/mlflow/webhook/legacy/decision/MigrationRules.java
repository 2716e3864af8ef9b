package io.opendatahub.mlflow.webhook.legacy.decision;

import io.opendatahub.mlflow.webhook.mlflow.Excerpt;
import io.opendatahub.mlflow.webhook.policy.MLflowRule;
import tools.jackson.databind.JsonNode;

/**
 * {@code migration.mode: Always} makes the operator scale the server down and run a schema
 * migration Job for every new generation of the CR, with the server's own image. With a custom
 * {@code image.image} that is an image the operator was not released with: its migration script
 * refuses an MLflow version other than the one it supports, and the server then stays down after
 * every edit until someone intervenes.
 */
final class MigrationRules {

  private MigrationRules() {}

  static void check(MLflowSpec spec, RuleFindings findings) {
    JsonNode mode = spec.node("migration") == null ? null : spec.node("migration").get("mode");
    JsonNode image = spec.node("image") == null ? null : spec.node("image").get("image");
    if (mode == null || !mode.isString() || !mode.stringValue().equals("Always")
        || image == null || !image.isString() || image.stringValue().isBlank()) {
      return;
    }
    findings.add(MLflowRule.MIGRATION_ALWAYS_CUSTOM_IMAGE, "spec.migration.mode", "Always runs a"
        + " database migration with the custom image '" + Excerpt.of(image.stringValue()) + "' on every change"
        + " to this CR, with the server scaled down; if the image's MLflow version is not the one"
        + " the operator supports the migration fails and the server stays down. Use mode:"
        + " Automatic (the default), or annotate the CR with mlflow.opendatahub.io/force-migrate"
        + " when a migration is wanted.");
  }
}
