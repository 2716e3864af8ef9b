package io.opendatahub.mlflow.webhook.kube;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.opendatahub.mlflow.webhook.admission.MlflowInstances;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * The MLflow CRs from an informer's cache (the background audit's), as admission receives them.
 * Reads only the cache: never the API server, so it is safe on an event loop. The CRD allows one
 * CR ({@code metadata.name} must be {@code mlflow}), so the conversion per read is small.
 */
final class InformedMlflowInstances implements MlflowInstances {

  private final MlflowInformer informer;
  private final KubernetesClient client;

  InformedMlflowInstances(MlflowInformer informer,
      KubernetesClient client) {
    this.informer = informer;
    this.client = client;
  }

  @Override
  public boolean synced() {
    return informer.settled();
  }

  @Override
  public List<JsonNode> list() {
    return informer.list().stream()
        .<JsonNode>map(cr -> ClusterListing.json(client, cr, ClusterAudit.MLFLOW_API_VERSION,
            ClusterAudit.MLFLOW_KIND))
        .toList();
  }
}
