package io.opendatahub.mlflow.webhook.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opendatahub.mlflow.webhook.testing.CrudApiServer;
import io.opendatahub.mlflow.webhook.testing.Eventually;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The service's client to the API server: on a Vert.x event loop of its own (none of the loops
 * that answer HTTPS), its calls counted in the service's registry, its thread gone once closed.
 */
class KubeConnectionTest {

  private final KubernetesMockServer server = CrudApiServer.start();

  @AfterEach
  void stop() {
    server.destroy();
  }

  private KubeConnection.Source mock() {
    return new KubeConnection.Source("the mock API server",
        new ConfigBuilder(Config.empty()).withMasterUrl(server.url("/")).build());
  }

  private static List<Thread> clientLoops() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(thread -> thread.isAlive() && thread.getName().equals(ClientLoop.THREAD_NAME))
        .toList();
  }

  @Test
  void callsRunOnTheClientsOwnLoopAndAreCountedInTheServiceRegistry() {
    MeterRegistry registry = new SimpleMeterRegistry();
    try (KubeConnection.Connection connection = KubeConnection.connect(mock(), registry)) {
      connection.client().namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName("team-a").endMetadata()
              .build())
          .create();

      assertThat(connection.client().namespaces().list().getItems())
          .extracting(HasMetadata::getMetadata).extracting("name").containsExactly("team-a");
      assertThat(clientLoops()).hasSize(1);
      assertThat(registry.find("vertx.http.client.requests").counters().stream()
          .mapToDouble(Counter::count).sum()).isEqualTo(2);
      // The client's Vert.x counts only its calls: worker pools are the service's Vert.x's.
      assertThat(registry.find("vertx.pool.queue.pending").meters()).isEmpty();
    }

    Eventually.until(Duration.ofSeconds(10), "the client's event loop to end",
        () -> clientLoops().isEmpty());
  }
}
