package io.opendatahub.mlflow.webhook.kube;

import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.opendatahub.mlflow.webhook.rbac.BindingDiff;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out a {@link BindingDiff} against the API server, in its order, and remembers each
 * write until the informer shows it. A failed write throws, and the writes after it wait for
 * the retry.
 */
final class BindingWrites {

  private static final Logger LOG = LoggerFactory.getLogger(BindingWrites.class);

  private final KubernetesClient client;
  private final UnobservedWrites unobserved;
  private final BindingReconciler.Listener listener;

  BindingWrites(KubernetesClient client, UnobservedWrites unobserved,
      BindingReconciler.Listener listener) {
    this.client = client;
    this.unobserved = unobserved;
    this.listener = listener;
  }

  void apply(List<BindingDiff.Change> changes) {
    for (BindingDiff.Change change : changes) {
      if (change instanceof BindingDiff.Create) {
        create(change.binding());
      } else if (change instanceof BindingDiff.Update) {
        update(change.binding());
      } else if (change instanceof BindingDiff.Delete delete) {
        delete(delete.binding(), delete.why().action());
      }
    }
  }

  private void create(RoleBinding binding) {
    try {
      unobserved.stored(resource(binding).create());
      LOG.info("created RoleBinding {} for ServiceAccount {}", name(binding),
          binding.getSubjects().get(0).getName());
      listener.action("create", "ok");
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      // Someone created it meanwhile; the informer event brings us back to compare.
      listener.action("create", "exists");
    }
  }

  private void update(RoleBinding repaired) {
    unobserved.stored(resource(repaired).update());
    LOG.info("repaired RoleBinding {}", name(repaired));
    listener.action("update", "ok");
  }

  private void delete(RoleBinding binding, String action) {
    client.rbac().roleBindings().inNamespace(binding.getMetadata().getNamespace())
        .withName(binding.getMetadata().getName()).delete();
    unobserved.deleted(binding);
    LOG.info("deleted RoleBinding {} ({})", name(binding), action);
    listener.action(action, "ok");
  }

  private Resource<RoleBinding> resource(RoleBinding binding) {
    return client.rbac().roleBindings().inNamespace(binding.getMetadata().getNamespace())
        .resource(binding);
  }

  private static String name(RoleBinding binding) {
    return binding.getMetadata().getNamespace() + "/" + binding.getMetadata().getName();
  }
}
