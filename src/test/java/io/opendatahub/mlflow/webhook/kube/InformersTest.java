package io.opendatahub.mlflow.webhook.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ExceptionHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.opendatahub.mlflow.webhook.testing.EnableCrudApiServer;
import java.lang.reflect.Proxy;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import tools.jackson.core.exc.StreamReadException;

/** What an informer does when the API server fails it. */
@EnableCrudApiServer
class InformersTest {

  KubernetesClient client;

  @Test
  void retriesEveryFailureButAnUnreadableObject() {
    AtomicReference<ExceptionHandler> installed = new AtomicReference<>();
    SharedIndexInformer<Namespace> informer = client.namespaces().runnableInformer(0);
    @SuppressWarnings("unchecked")
    SharedIndexInformer<Namespace> spy = (SharedIndexInformer<Namespace>) Proxy.newProxyInstance(
        getClass().getClassLoader(), new Class<?>[] {SharedIndexInformer.class},
        (proxy, method, args) -> {
          if (method.getName().equals("exceptionHandler")) {
            installed.set((ExceptionHandler) args[0]);
            return proxy;
          }
          return method.invoke(informer, args);
        });

    Informers.retrying(spy, "namespace");
    ExceptionHandler handler = installed.get();

    assertThat(handler.retryAfterException(false,
        new KubernetesClientException("first list", new TimeoutException()))).isTrue();
    assertThat(handler.retryAfterException(true, new KubernetesClientException("gone", 410,
        null))).isTrue();
    assertThat(handler.retryAfterException(false, new KubernetesClientException("unreadable",
        new StreamReadException(null, "bad object")))).isFalse();
  }
}
