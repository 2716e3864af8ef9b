package io.opendatahub.mlflow.webhook.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.opendatahub.mlflow.webhook.testing.ChangingNamespaces;
import io.opendatahub.mlflow.webhook.testing.EnableCrudApiServer;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The periodic resync follows the Lease: a replica that leads, loses it and leads again resyncs
 * once per period, not once per time it was elected. The leadership callbacks are the ones
 * fabric8's elector calls; the clock is the test's.
 */
@EnableCrudApiServer
class ResyncScheduleTest {

  KubernetesClient client;

  private final ManualWorker worker = new ManualWorker();
  private final AtomicInteger resyncs = new AtomicInteger();
  private BindingReconciler reconciler;

  @BeforeEach
  void reconciler() {
    reconciler = new BindingReconciler(client, TestPolicies::shipped, new ChangingNamespaces(),
        new BindingReconciler.Listener() {
          @Override
          public void action(String action, String result) {}

          @Override
          public void resynced() {
            resyncs.incrementAndGet();
          }
        }, worker);
  }

  @AfterEach
  void close() {
    reconciler.close();
  }

  @Test
  void aReplicaElectedAgainResyncsOncePerPeriod() {
    reconciler.startLeading();
    worker.advance(BindingReconciler.RESYNC);
    assertThat(resyncs).as("on election, then one period later").hasValue(2);

    reconciler.stopLeading();
    worker.advance(BindingReconciler.RESYNC.multipliedBy(3));
    assertThat(resyncs).as("no resync while another replica leads").hasValue(2);

    reconciler.startLeading();
    assertThat(resyncs).as("on election again").hasValue(3);
    worker.advance(BindingReconciler.RESYNC);
    assertThat(resyncs).as("one resync schedule, not two").hasValue(4);
  }

  @Test
  void electedTwiceWithoutLosingItStillResyncsOncePerPeriod() {
    reconciler.startLeading();
    reconciler.startLeading();

    worker.advance(BindingReconciler.RESYNC);

    assertThat(resyncs).hasValue(3);
  }
}
