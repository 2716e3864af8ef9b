package io.opendatahub.mlflow.webhook.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The test API server answers every write and shuts down promptly after watches are closed with
 * events still queued to them, which is how every informer-backed test ends. fabric8's own CRUD
 * dispatcher failed this in each of four runs: "Unable to close MockWebServer" after 10 s, its
 * event loop stuck for 30 s, and writes left unanswered for 10 s.
 */
class CrudApiServerTest {

  private static final int WATCHES = 8;
  private static final int WRITERS = 2;

  @Test
  void watchesClosedWithEventsQueuedLeaveTheServerAbleToShutDown() throws Exception {
    KubernetesMockServer server = CrudApiServer.start();
    KubernetesClient writer = server.createClient();
    KubernetesClient watcher = server.createClient();
    CountDownLatch firstEvents = new CountDownLatch(WATCHES);
    AtomicInteger events = new AtomicInteger();
    AtomicBoolean watchesClosed = new AtomicBoolean();
    List<Throwable> writeFailures = new CopyOnWriteArrayList<>();
    List<Watch> watches = new ArrayList<>();
    for (int i = 0; i < WATCHES; i++) {
      watches.add(watcher.configMaps().inNamespace("ns").watch(new Watcher<>() {
        @Override
        public void eventReceived(Action action, ConfigMap resource) {
          firstEvents.countDown();
          events.incrementAndGet();
        }

        @Override
        public void onClose(WatcherException cause) {}
      }));
    }
    List<Thread> writers = new ArrayList<>();
    for (int w = 0; w < WRITERS; w++) {
      String prefix = "writer-" + w + "-";
      Thread thread = new Thread(() -> {
        try {
          for (int i = 0; !watchesClosed.get(); i++) {
            writer.configMaps().inNamespace("ns").resource(new ConfigMapBuilder()
                .withNewMetadata().withName(prefix + i).endMetadata()
                .addToData("k", "v".repeat(4_000)).build()).create();
          }
        } catch (RuntimeException e) {
          writeFailures.add(e);
        }
      });
      thread.start();
      writers.add(thread);
    }
    assertThat(firstEvents.await(20, TimeUnit.SECONDS)).as("the watches receive events").isTrue();
    // One at a time while the writers still produce events for them: each close is a chance to
    // meet a send in flight.
    for (Watch watch : watches) {
      int next = events.get() + 40;
      Eventually.until(Duration.ofSeconds(20), "40 more events", events::get, n -> n >= next);
      watch.close();
    }
    watchesClosed.set(true);
    for (Thread thread : writers) {
      thread.join();
    }
    watcher.close();
    writer.close();

    assertThat(writeFailures).as("writes racing the closes were all answered").isEmpty();
    assertThatCode(server::destroy).doesNotThrowAnyException();
  }
}
