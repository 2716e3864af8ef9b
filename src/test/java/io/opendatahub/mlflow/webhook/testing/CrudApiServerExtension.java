package io.opendatahub.mlflow.webhook.testing;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Starts, injects and stops the {@link CrudApiServer} of {@link EnableCrudApiServer}. */
public final class CrudApiServerExtension implements BeforeEachCallback, AfterEachCallback {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(CrudApiServerExtension.class);

  private record Started(KubernetesMockServer server, KubernetesClient client) {}

  @Override
  public void beforeEach(ExtensionContext context) throws IllegalAccessException {
    KubernetesMockServer server = CrudApiServer.start();
    Started started = new Started(server, server.createClient());
    context.getStore(NAMESPACE).put(Started.class, started);
    for (Object instance : context.getRequiredTestInstances().getAllInstances()) {
      for (Class<?> type = instance.getClass(); type != Object.class;
          type = type.getSuperclass()) {
        for (Field field : type.getDeclaredFields()) {
          if (Modifier.isStatic(field.getModifiers())) {
            continue;
          }
          if (field.getType() == KubernetesClient.class) {
            set(field, instance, started.client());
          } else if (field.getType() == KubernetesMockServer.class) {
            set(field, instance, started.server());
          }
        }
      }
    }
  }

  private static void set(Field field, Object instance, Object value)
      throws IllegalAccessException {
    field.setAccessible(true);
    field.set(instance, value);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    Started started = context.getStore(NAMESPACE).remove(Started.class, Started.class);
    if (started != null) {
      try {
        started.client().close();
      } finally {
        started.server().destroy();
      }
    }
  }
}
