package io.opendatahub.mlflow.webhook.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.opendatahub.mlflow.webhook.admission.NamespaceFacts.KnownNamespace;
import java.net.HttpURLConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ObjectNode;

/**
 * One read of what the audit judges, for the {@code audit} command: the MLflow CRs, every
 * RoleBinding and every namespace with its labels, listed once (no informers, no watch).
 */
public final class ClusterListing {

  /** The cluster cannot be read; the message is one line, safe to print. */
  public static final class UnreachableException extends Exception {
    UnreachableException(String message) {
      super(message);
    }
  }

  /**
   * What was listed.
   *
   * @param mlflowCrdMissing the API server does not serve MLflow CRs: no operator installed
   */
  public record Listing(List<ObjectNode> objects, List<KnownNamespace> namespaces,
      boolean mlflowCrdMissing) {}

  private ClusterListing() {}

  public static Listing read(KubernetesClient client) throws UnreachableException {
    String server = client.getConfiguration().getMasterUrl();
    try {
      List<KnownNamespace> namespaces = new ArrayList<>();
      for (Namespace namespace : client.namespaces().list().getItems()) {
        Map<String, String> labels = namespace.getMetadata().getLabels();
        namespaces.add(new KnownNamespace(namespace.getMetadata().getName(),
            labels == null ? Map.of() : labels));
      }
      List<ObjectNode> objects = new ArrayList<>();
      boolean crdMissing = false;
      try {
        client.genericKubernetesResources(ClusterAudit.MLFLOW).list().getItems()
            .forEach(cr -> objects.add(json(client, cr, ClusterAudit.MLFLOW_API_VERSION,
                ClusterAudit.MLFLOW_KIND)));
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
          throw e;
        }
        crdMissing = true;
      }
      client.rbac().roleBindings().inAnyNamespace().list().getItems()
          .forEach(binding -> objects.add(json(client, binding, "rbac.authorization.k8s.io/v1",
              "RoleBinding")));
      return new Listing(objects, namespaces, crdMissing);
    } catch (KubernetesClientException e) {
      String status = e.getCode() > 0 ? "HTTP " + e.getCode() + " " : "";
      throw new UnreachableException("cannot read the cluster at " + server + ": " + status
          + Causes.describe(e));
    }
  }

  /** The object as admission receives it; list items may come without apiVersion and kind. */
  static ObjectNode json(KubernetesClient client, HasMetadata object, String apiVersion,
      String kind) {
    ObjectNode json = client.getKubernetesSerialization().convertValue(object, ObjectNode.class);
    return json.put("apiVersion", apiVersion).put("kind", kind);
  }
}
