package io.opendatahub.mlflow.webhook.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.opendatahub.mlflow.webhook.admission.StaticNamespaceFacts;
import io.opendatahub.mlflow.webhook.testing.EnableCrudApiServer;
import io.opendatahub.mlflow.webhook.testing.Eventually;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The reconciler's Lease is the one {@link Leadership} of the service: the replica that wins it
 * tells its listeners (the policy-report writer, and any other cluster writer), the other never
 * does; when the leader gives the Lease up it is told so, and the other is told it leads now.
 */
@EnableCrudApiServer
class LeadershipTest {

  private static final Duration BOUND = Duration.ofSeconds(40);

  KubernetesClient client;
  KubernetesMockServer server;

  private final List<BindingReconciler> reconcilers = new ArrayList<>();

  @AfterEach
  void stop() {
    reconcilers.forEach(BindingReconciler::close);
  }

  /** The GETs of that Lease the mock served since the last call (it drains what it recorded). */
  private int leaseReadsSince(String lease) {
    int reads = 0;
    try {
      for (RecordedRequest request = server.takeRequest(10, TimeUnit.MILLISECONDS);
          request != null; request = server.takeRequest(10, TimeUnit.MILLISECONDS)) {
        if ("GET".equals(request.getMethod()) && request.getPath().endsWith("/leases/" + lease)) {
          reads++;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return reads;
  }

  /**
   * A hand-over waits for the other replica's next try: the shipped 26 s retry period would make
   * this test wait that long, so it takes controller-runtime's 15 s / 10 s / 2 s.
   */
  private BindingReconciler replica(String identity, List<String> told) {
    return replica(new BindingReconciler.Election("default", "leadership-lease", identity,
        new BindingReconciler.LeaseTimings(Duration.ofSeconds(15), Duration.ofSeconds(10),
            Duration.ofSeconds(2))), told);
  }

  private BindingReconciler replica(BindingReconciler.Election election, List<String> told) {
    BindingReconciler reconciler = new BindingReconciler(client, TestPolicies::shipped,
        new StaticNamespaceFacts(List.of()), BindingReconciler.Listener.NONE);
    reconcilers.add(reconciler);
    reconciler.onLeadingChange(leading -> told.add(election.identity() + ":" + leading));
    reconciler.start(election);
    return reconciler;
  }

  @Test
  void onlyTheLeaseHolderIsToldItLeadsAndTheOtherTakesOverWhenItGoes() {
    List<String> told = Collections.synchronizedList(new ArrayList<>());
    BindingReconciler first = replica("a", told);
    BindingReconciler second = replica("b", told);

    Eventually.until(BOUND, "one replica is told it leads", () -> !told.isEmpty());
    BindingReconciler leader = told.get(0).startsWith("a") ? first : second;
    BindingReconciler other = leader == first ? second : first;
    assertThat(told).hasSize(1).allMatch(line -> line.endsWith(":true"));
    assertThat(leader.leading()).isTrue();
    assertThat(other.leading()).isFalse();

    leader.close();

    String otherId = other == first ? "a" : "b";
    Eventually.until(BOUND, "the other replica is told it leads now",
        () -> told.contains(otherId + ":true"));
    assertThat(told).as("the one that gave the Lease up was told so; nobody else was told"
        + " anything").containsExactlyInAnyOrder(told.get(0),
        told.get(0).replace(":true", ":false"), otherId + ":true");
    assertThat(other.leading()).isTrue();
  }

  /**
   * fabric8's elector ends for good when its holder cannot renew: without a new campaign, a
   * replica that lost the Lease once (an API server away longer than the renew deadline, while
   * another replica took over) would never lead again, and a single replica would stop
   * reconciling and writing reports for the rest of its life.
   */
  @Test
  void aReplicaThatLostTheLeaseCampaignsAgainAndLeadsWhenTheLeaseIsFree() {
    List<String> told = Collections.synchronizedList(new ArrayList<>());
    // Short enough for a test, long enough that a loaded machine does not lose the Lease alone.
    BindingReconciler only = replica(new BindingReconciler.Election("default", "lost-lease", "a",
        new BindingReconciler.LeaseTimings(Duration.ofSeconds(3), Duration.ofMillis(2500),
            Duration.ofMillis(200))), told);
    Eventually.until(BOUND, "it leads", only::leading);

    // Another holder renews the Lease, as one would that took over while this replica could not
    // reach the API server; then it goes away without giving the Lease up.
    // The leader renews every 200 ms: an edit that meets a renewal is refused (409) and retried.
    int before = Eventually.until(BOUND, "the Lease is taken", () -> {
      int toldSoFar = told.size();
      try {
        client.leases().inNamespace("default").withName("lost-lease").edit(lease -> {
          lease.getSpec().setHolderIdentity("elsewhere");
          lease.getSpec().setRenewTime(ZonedDateTime.now(ZoneOffset.UTC));
          return lease;
        });
        return toldSoFar;
      } catch (KubernetesClientException conflict) {
        assertThat(conflict.getCode()).isEqualTo(409);
        return -1;
      }
    }, toldSoFar -> toldSoFar >= 0);
    assertThat(List.copyOf(told).subList(0, before))
        .as("it led from the start until the Lease was taken").last().isEqualTo("a:true");

    Eventually.until(BOUND, "it is told it no longer leads, then that it leads again once the"
        + " other's Lease has run out", () -> {
          List<String> now = List.copyOf(told);
          return now.subList(before, now.size()).equals(List.of("a:false", "a:true"));
        });
    assertThat(only.leading()).isTrue();
    assertThat(client.leases().inNamespace("default").withName("lost-lease").get().getSpec()
        .getHolderIdentity()).isEqualTo("a");
  }

  /**
   * A Lease fabric8 cannot read (written by hand or another tool without
   * {@code leaseDurationSeconds}) made its elector end the campaign for good, silently; the
   * replica campaigns on and leads once the Lease is mended.
   */
  @Test
  void aLeaseThatCannotBeReadDoesNotEndTheCampaign() {
    client.leases().inNamespace("default").resource(new LeaseBuilder()
        .withNewMetadata().withName("odd-lease").withNamespace("default").endMetadata()
        .withNewSpec().withHolderIdentity("elsewhere")
        .withRenewTime(ZonedDateTime.now(ZoneOffset.UTC)).endSpec().build()).create();
    List<String> told = Collections.synchronizedList(new ArrayList<>());
    BindingReconciler only = replica(new BindingReconciler.Election("default", "odd-lease", "a",
        new BindingReconciler.LeaseTimings(Duration.ofSeconds(3), Duration.ofMillis(2500),
            Duration.ofMillis(200))), told);
    // Read after read fails: the campaign goes on (without the fix it ended at the first).
    AtomicInteger reads = new AtomicInteger();
    Eventually.until(BOUND, "the unreadable Lease is read three times", () -> {
      reads.addAndGet(leaseReadsSince("odd-lease"));
      return reads.get() >= 3;
    });
    assertThat(told).as("nobody leads while the Lease cannot be read").isEmpty();

    client.leases().inNamespace("default").withName("odd-lease").delete();
    Eventually.until(BOUND, "it leads once the Lease is gone", only::leading);
    assertThat(told).containsExactly("a:true");
  }
}
