package io.opendatahub.mlflow.webhook.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.policy.PolicyHolder;
import io.opendatahub.mlflow.webhook.policy.PolicyLoader;
import io.opendatahub.mlflow.webhook.testing.ChangingNamespaces;
import io.opendatahub.mlflow.webhook.testing.EnableCrudApiServer;
import io.opendatahub.mlflow.webhook.testing.Eventually;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reconciler against fabric8's mock API server in CRUD mode. */
@EnableCrudApiServer
class BindingReconcilerTest {

  private static final Duration BOUND = Duration.ofSeconds(20);
  private static final String OPT_IN = "mlflow.opendatahub.io/integration";
  private static final String BINDING = "mlflow-integration-runner";

  KubernetesClient client;

  @TempDir Path dir;

  private final List<BindingReconciler> reconcilers = new ArrayList<>();
  private final List<String> actions = Collections.synchronizedList(new ArrayList<>());
  private PolicyHolder policy;
  private final ChangingNamespaces namespaces = new ChangingNamespaces();
  private final AtomicInteger markers = new AtomicInteger();

  @BeforeEach
  void policy() throws Exception {
    Path file = TestPolicies.write(dir, "policy.yaml", """
        apiVersion: policy.mlflow-webhook.io/v1alpha1
        kind: MLflowPolicy
        metadata: {name: binding}
        spec:
          environments:
            - name: development
              default: true
          serviceAccountBinding:
            enabled: true
            clusterRole: mlflow-integration
            select:
              namespaces: [team-a, team-b, team-c, burst, bulk]
              namespaceSelector: {matchLabels: {opendatahub.io/dashboard: "true"}}
              annotation: mlflow.opendatahub.io/integration=true
        """);
    Policy loaded = new PolicyLoader().load(file);
    policy = new PolicyHolder(loaded);
  }

  @AfterEach
  void stop() {
    reconcilers.forEach(BindingReconciler::close);
  }

  private BindingReconciler start(String identity) {
    BindingReconciler reconciler = new BindingReconciler(client, policy, namespaces,
        (action, result) -> actions.add(action + ":" + result));
    reconcilers.add(reconciler);
    reconciler.start(new BindingReconciler.Election("default", "reconciler-lease", identity));
    return reconciler;
  }

  private ServiceAccount account(String namespace, String name, boolean optIn) {
    ServiceAccountBuilder builder = new ServiceAccountBuilder().withNewMetadata()
        .withNamespace(namespace).withName(name).endMetadata();
    if (optIn) {
      builder.editMetadata().addToAnnotations(OPT_IN, "true").endMetadata();
    }
    return client.serviceAccounts().inNamespace(namespace).resource(builder.build()).create();
  }

  private RoleBinding binding(String namespace) {
    return client.rbac().roleBindings().inNamespace(namespace).withName(BINDING).get();
  }

  /**
   * The positive signal that the reconciler's queue has caught up: a new opted-in account's
   * binding appears only after every reconcile already due has run (one worker, in order).
   */
  private void settled(String namespace) {
    String marker = "marker-" + markers.incrementAndGet();
    int recorded = actions.size();
    account(namespace, marker, true);
    Eventually.until(BOUND, "the marker account " + marker + " is bound",
        () -> client.rbac().roleBindings().inNamespace(namespace)
            .withName("mlflow-integration-" + marker).get(), b -> b != null);
    // The binding is visible in the API server before the reconciler's thread records its
    // create: wait for that record too, so the actions before it are all in.
    Eventually.until(BOUND, "the marker's create is recorded", actions::size,
        n -> n > recorded);
  }

  private RoleBinding awaitBinding(String namespace, java.util.function.Predicate<RoleBinding> ok) {
    return Eventually.until(BOUND, "the binding in the namespace exists as expected",
        () -> binding(namespace), b -> b != null && ok.test(b));
  }

  @Test
  void anOptedInServiceAccountGetsABindingOwnedByIt() {
    start("a");
    ServiceAccount runner = account("team-a", "runner", true);
    account("team-a", "other", false);

    RoleBinding binding = awaitBinding("team-a", b -> true);

    assertThat(binding).isNotNull();
    assertThat(binding.getRoleRef().getKind()).isEqualTo("ClusterRole");
    assertThat(binding.getRoleRef().getName()).isEqualTo("mlflow-integration");
    assertThat(binding.getSubjects()).singleElement().satisfies(s -> {
      assertThat(s.getKind()).isEqualTo("ServiceAccount");
      assertThat(s.getName()).isEqualTo("runner");
      assertThat(s.getNamespace()).isEqualTo("team-a");
    });
    assertThat(binding.getMetadata().getOwnerReferences()).singleElement()
        .satisfies(o -> assertThat(o.getUid()).isEqualTo(runner.getMetadata().getUid()));
    assertThat(binding.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/managed-by", "mlflow-policy-webhook");
    assertThat(client.rbac().roleBindings().inNamespace("team-a").list().getItems()).hasSize(1);
  }

  @Test
  void convergesFromMissingDriftedEditedAndOptedOut() throws Exception {
    BindingReconciler reconciler = start("a");
    account("team-a", "runner", true);
    RoleBinding original = awaitBinding("team-a", b -> true);

    client.rbac().roleBindings().inNamespace("team-a").withName(BINDING).delete();
    assertThat(awaitBinding("team-a", b -> true)).as("missing binding recreated").isNotNull();

    client.rbac().roleBindings().inNamespace("team-a").withName(BINDING).edit(b ->
        new RoleBindingBuilder(b).editRoleRef().withName("admin").endRoleRef().build());
    assertThat(awaitBinding("team-a", b -> b.getRoleRef().getName().equals("mlflow-integration")))
        .as("drifted roleRef recreated").isNotNull();

    client.rbac().roleBindings().inNamespace("team-a").withName(BINDING).edit(b ->
        new RoleBindingBuilder(b).addNewSubject().withKind("Group").withName("everyone")
            .endSubject().build());
    assertThat(awaitBinding("team-a", b -> b.getSubjects().size() == 1))
        .as("edited subjects repaired").isNotNull();

    client.serviceAccounts().inNamespace("team-a").withName("runner").edit(sa ->
        new ServiceAccountBuilder(sa).editMetadata().removeFromAnnotations(OPT_IN).endMetadata()
            .build());
    // The reconciler reports each write after it is done: wait for its report of the removal
    // (the binding can be gone a moment before the report is), then look.
    Eventually.until(BOUND, "the reconciler reports removing the opted-out account's binding",
        () -> actions.contains("remove:ok"));
    assertThat(binding("team-a")).as("opted-out account unbound").isNull();
    assertThat(original).isNotNull();
    assertThat(actions).contains("create:ok", "recreate:ok", "update:ok", "remove:ok");
    assertThat(reconciler.leading()).isTrue();
  }

  /** #13: the opt-in annotation alone does not bind outside the policy's namespace scope. */
  @Test
  void onlyAccountsInTheNamespaceScopeAreBound() throws Exception {
    namespaces.put("project", Map.of("opendatahub.io/dashboard", "true"))
        .put("scratch", Map.of());
    BindingReconciler reconciler = start("a");
    account("scratch", "runner", true);
    account("project", "runner", true);

    assertThat(awaitBinding("project", b -> true)).as("labelled namespace").isNotNull();
    reconciler.resyncAll();
    settled("project");

    assertThat(binding("scratch")).as("namespace out of scope").isNull();
    assertThat(actions).as("the runner's and the marker's bindings only")
        .containsExactly("create:ok", "create:ok");
  }

  @Test
  void untilNamespacesAreKnownNoBindingIsRemoved() throws Exception {
    namespaces.put("project", Map.of("opendatahub.io/dashboard", "true"));
    BindingReconciler reconciler = start("a");
    account("project", "runner", true);
    awaitBinding("project", b -> true);

    // As after a restart whose namespace informer has not listed yet: labels unknown.
    namespaces.unsynced();
    long asked = namespaces.syncedQueries();
    reconciler.resyncAll();
    // The reconcile of project/runner asked whether namespaces are known, and so deferred.
    Eventually.until(BOUND, "the reconciler asks whether namespaces are known",
        () -> namespaces.syncedQueries() > asked);

    assertThat(binding("project")).as("kept while namespaces are unknown").isNotNull();
    assertThat(actions).containsExactly("create:ok");
  }

  @Test
  void aReconcilerStartedLaterBindsAccountsCreatedWhileItWasDown() {
    account("team-b", "runner", true);
    account("team-c", "runner", true);

    start("a");

    assertThat(awaitBinding("team-b", b -> true)).isNotNull();
    assertThat(awaitBinding("team-c", b -> true)).isNotNull();
  }

  @Test
  void closingReleasesTheLeaseWhileTheConnectionIsStillOpen() throws Exception {
    BindingReconciler reconciler = start("replica-1");
    Eventually.until(BOUND, "the reconciler leads", reconciler::leading);
    assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("replica-1");
    assertThat(lease().getSpec().getLeaseDurationSeconds()).as("OpenShift's Lease duration")
        .isEqualTo(137);

    reconciler.close();
    reconciler.released().get(BOUND.toSeconds(), TimeUnit.SECONDS);

    // What the caller may rely on before it closes the client: released, i.e. (as fabric8
    // releases) the lease cut to 1 s, so the next leader need not wait out the 137 s.
    assertThat(lease().getSpec().getLeaseDurationSeconds()).isEqualTo(1);
  }

  private io.fabric8.kubernetes.api.model.coordination.v1.Lease lease() {
    return client.leases().inNamespace("default").withName("reconciler-lease").get();
  }

  @Test
  void twoReplicasElectOneLeaderAndDoNotFight() throws Exception {
    BindingReconciler first = start("replica-1");
    BindingReconciler second = start("replica-2");
    Eventually.until(BOUND, "one of the two reconcilers leads",
        () -> first.leading() || second.leading(), leading -> leading);

    account("team-a", "runner", true);
    awaitBinding("team-a", b -> true);
    settled("team-a");

    assertThat(first.leading() && second.leading()).as("never both leading").isFalse();
    assertThat(first.leading() || second.leading()).isTrue();
    assertThat(actions).as("one create per account: the follower wrote nothing")
        .containsExactly("create:ok", "create:ok");
  }

  @Test
  void repeatedRequestsForTheSameAccountAreANoOp() throws Exception {
    BindingReconciler reconciler = start("a");
    account("team-a", "runner", true);
    awaitBinding("team-a", b -> true);

    settled("team-b");
    long asked = namespaces.labelQueries("team-a");
    for (int i = 0; i < 5; i++) {
      reconciler.requested("team-a", "runner");
    }
    // The requests (coalesced, due in 100 ms) are being reconciled; then the queue catches up.
    Eventually.until(BOUND, "the requested account is reconciled",
        () -> namespaces.labelQueries("team-a") > asked);
    settled("team-b");

    assertThat(actions).as("the runner's and the two markers' creates only")
        .containsExactly("create:ok", "create:ok", "create:ok");
  }

  @Test
  void reconcilingAgainBeforeTheCacheCatchesUpWritesNothingTwice() throws Exception {
    BindingReconciler reconciler = start("a");
    Eventually.until(BOUND, "the reconciler leads", reconciler::leading, leading -> leading);
    int accounts = 20;
    for (int i = 0; i < accounts; i++) {
      account("burst", "sa-" + i, true);
    }
    // Keep asking for every account while the bindings are being created, so that some
    // reconcile runs right after a create, before the watch has brought the binding back.
    long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
    while (System.nanoTime() < until) {
      reconciler.resyncAll();
      Eventually.pace(Duration.ofNanos(200_000));
    }
    Eventually.until(BOUND, "every account of the burst is bound",
        () -> client.rbac().roleBindings().inNamespace("burst").list()
        .getItems().size(), n -> n == accounts);
    settled("burst");

    assertThat(actions).as("one create per account, the marker's included")
        .hasSize(accounts + 1).containsOnly("create:ok");
  }
}
