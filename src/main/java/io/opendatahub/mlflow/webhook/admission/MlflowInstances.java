package io.opendatahub.mlflow.webhook.admission;

import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * The MLflow CRs that exist now, for decisions about other objects that change what they serve
 * (a Namespace relabelled into a stricter environment). Reads are in-memory (an informer cache),
 * so decisions may call them on any thread.
 */
public interface MlflowInstances {

  /** No cluster: there are no instances, and that is the whole truth. */
  MlflowInstances NONE = new Fixed(true, List.of());

  /**
   * Whether {@link #list()} is complete: false until the CRs have been listed once (API server
   * slow or unreachable, CRD not installed), when an empty list does not mean "no instance".
   */
  boolean synced();

  /** Every MLflow CR as admission would receive it (with apiVersion and kind); not to modify. */
  List<JsonNode> list();

  /** Instances that do not change: none without a cluster, or a test's. */
  record Fixed(boolean synced, List<JsonNode> list) implements MlflowInstances {
    public Fixed {
      list = List.copyOf(list);
    }
  }
}
