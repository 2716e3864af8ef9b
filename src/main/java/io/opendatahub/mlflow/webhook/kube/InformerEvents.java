package io.opendatahub.mlflow.webhook.kube;

import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import java.util.function.BiConsumer;

/** One callback for every informer event: the object as it now is, and whether it is gone. */
final class InformerEvents {

  private InformerEvents() {}

  static <T> ResourceEventHandler<T> each(BiConsumer<T, Boolean> event) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T object) {
        event.accept(object, false);
      }

      @Override
      public void onUpdate(T before, T after) {
        event.accept(after, false);
      }

      @Override
      public void onDelete(T object, boolean finalStateUnknown) {
        event.accept(object, true);
      }
    };
  }
}
