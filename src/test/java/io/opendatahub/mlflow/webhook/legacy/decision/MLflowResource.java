package io.opendatahub.mlflow.webhook.legacy.decision;

import io.opendatahub.mlflow.webhook.admission.GroupVersionKind;
import tools.jackson.databind.JsonNode;

/** Identity of the MLflow operator's CR and small readers for its spec. */
final class MLflowResource {

  static final String GROUP = "mlflow.opendatahub.io";
  static final String KIND = "MLflow";

  /** What RHOAI 3.2/3.3 operators use when neither backend store field is set. */
  static final String OPERATOR_FALLBACK_STORE = "sqlite:////mlflow/mlflow.db";

  private MLflowResource() {}

  static boolean is(GroupVersionKind kind) {
    return GROUP.equals(kind.group()) && KIND.equals(kind.kind());
  }

  /**
   * The string value of a spec field, or null when absent, null, blank or not a string. A blank
   * URI is judged once, by {@code empty-uri}, not also as a file store named "   ".
   */
  static String text(JsonNode spec, String field) {
    JsonNode node = spec.get(field);
    if (node == null || !node.isString() || node.stringValue().isBlank()) {
      return null;
    }
    return node.stringValue();
  }

  static boolean present(JsonNode spec, String field) {
    JsonNode node = spec.get(field);
    return node != null && !node.isNull();
  }
}
