package io.opendatahub.mlflow.webhook.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.opendatahub.mlflow.webhook.admission.StaticNamespaceFacts;
import io.opendatahub.mlflow.webhook.testing.Eventually;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The reconciler's Lease is the one {@link Leadership} of the service: the replica that wins it
 * tells its listeners (the policy-report writer, and any other cluster writer), the other never
 * does; when the leader gives the Lease up it is told so, and the other is told it leads now.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class LeadershipTest {

  private static final Duration BOUND = Duration.ofSeconds(40);

  KubernetesClient client;

  private final List<BindingReconciler> reconcilers = new ArrayList<>();

  @AfterEach
  void stop() {
    reconcilers.forEach(BindingReconciler::close);
  }

  private BindingReconciler replica(String identity, List<String> told) {
    BindingReconciler reconciler = new BindingReconciler(client, TestPolicies::shipped,
        new StaticNamespaceFacts(List.of()), BindingReconciler.Listener.NONE);
    reconcilers.add(reconciler);
    reconciler.onLeadingChange(leading -> told.add(identity + ":" + leading));
    reconciler.start(new BindingReconciler.Election("default", "leadership-lease", identity));
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
}
