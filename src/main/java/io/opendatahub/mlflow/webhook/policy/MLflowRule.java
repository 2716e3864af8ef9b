package io.opendatahub.mlflow.webhook.policy;

import java.util.Arrays;
import java.util.Optional;

/**
 * The MLflow CR rules, by the id that appears in policy files, metrics, messages and audit
 * annotations. Each has the action it takes when neither the environment nor a per-rule
 * setting says otherwise.
 */
public enum MLflowRule {
  METADATA_STORE_SCHEME("metadata-store-scheme"),
  METADATA_STORE_FILE("metadata-store-file"),
  METADATA_STORE_MISSING("metadata-store-missing"),
  INLINE_CREDENTIALS("inline-credentials"),
  ARTIFACT_SCHEME("artifact-scheme"),
  ARTIFACT_SERVING("artifact-serving"),
  STORAGE_REQUIRED("storage-required"),
  STORAGE_SIZE("storage-size"),
  STORAGE_CLASS("storage-class"),
  REPLICAS_SHARED_VOLUME("replicas-shared-volume"),
  FORBIDDEN_ENV("forbidden-env"),
  STORAGE_SHRINK("storage-shrink"),
  ACCESS_MODE_CHANGE("access-mode-change"),
  /** Advice, not a hazard: only a warning unless a policy says otherwise. */
  BACKEND_STORE_SWITCH("backend-store-switch", Action.WARN),
  OPERATOR_MANAGED_ENV("operator-managed-env"),
  STORAGE_DATA_SOURCE("storage-data-source"),
  /** The operator drops the field; nothing is lost but the user's intent. */
  STORAGE_IGNORED_FIELD("storage-ignored-field", Action.WARN),
  STORE_SECRET_OPTIONAL("store-secret-optional"),
  /** The operator's migration refuses an image of another MLflow version: an outage, not loss. */
  MIGRATION_ALWAYS_CUSTOM_IMAGE("migration-always-custom-image", Action.WARN),
  /** Deletes only what users soft-deleted, on an admin's deliberate schedule. */
  GARBAGE_COLLECTION("garbage-collection", Action.WARN),
  /** The platform's CA bundle, which the webhook cannot see, may already fix it. */
  DATABASE_TLS("database-tls", Action.WARN),
  /** The operator renders an empty URI as is and the server starts on a store nobody chose. */
  EMPTY_URI("empty-uri", Action.DENY);

  private final String id;
  private final Action fixedDefault;

  MLflowRule(String id) {
    this(id, null);
  }

  MLflowRule(String id, Action fixedDefault) {
    this.id = id;
    this.fixedDefault = fixedDefault;
  }

  public String id() {
    return id;
  }

  /** The action when the policy sets none for this rule: the environment's, or the rule's own. */
  Action defaultAction(Action environmentAction) {
    return fixedDefault != null ? fixedDefault : environmentAction;
  }

  public static Optional<MLflowRule> byId(String id) {
    return Arrays.stream(values()).filter(rule -> rule.id.equals(id)).findFirst();
  }
}
