package io.opendatahub.mlflow.webhook.kube;

import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

/**
 * The informers on the cluster's objects that more than one part of the service reads, one per
 * kind: the background audit and the local authority both need every RoleBinding, and two
 * informers would list and watch all of them twice and hold two copies. Each informer is made on
 * first use; starting it is idempotent (fabric8 returns the first start's stage), so each reader
 * starts it when it needs it. Closed here, never by a reader.
 */
public final class ClusterInformers implements AutoCloseable {

  private final KubernetesClient informing;
  private SharedIndexInformer<RoleBinding> roleBindings;
  private boolean closed;

  public ClusterInformers(KubernetesClient client) {
    this.informing = KubeConnection.forInformers(client);
  }

  /** Every RoleBinding of the cluster, in all namespaces. */
  public synchronized SharedIndexInformer<RoleBinding> roleBindings() {
    if (closed) {
      throw new IllegalStateException("the cluster informers are closed");
    }
    if (roleBindings == null) {
      roleBindings = Informers.retrying(
          informing.rbac().roleBindings().inAnyNamespace().runnableInformer(0), "RoleBinding");
    }
    return roleBindings;
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (roleBindings != null) {
      roleBindings.close();
    }
  }
}
