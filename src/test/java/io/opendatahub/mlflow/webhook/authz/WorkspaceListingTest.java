package io.opendatahub.mlflow.webhook.authz;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.admission.NamespaceFacts;
import io.opendatahub.mlflow.webhook.admission.NamespaceFacts.KnownNamespace;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.Answer;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.Question;
import io.opendatahub.mlflow.webhook.admission.StaticNamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.policy.PolicyHolder;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * ListWorkspaces in one question: the namespaces where the caller may list an MLflow resource,
 * from the namespace facts, through the same policy, authority and cache, and bounded.
 */
class WorkspaceListingTest {

  private final ExecutorService pool = Executors.newFixedThreadPool(2);

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  private static NamespaceFacts namespaces(String... names) {
    List<KnownNamespace> known = new ArrayList<>();
    for (String name : names) {
      known.add(new KnownNamespace(name, Map.of()));
    }
    return new StaticNamespaceFacts(known);
  }

  private Answer list(NamespaceGrants grants, NamespaceFacts facts) {
    return list(grants, facts, TestPolicies.shipped(), pool);
  }

  private static Answer list(AccessReviewer grants, NamespaceFacts facts, Policy shipped,
      Executor pool) {
    PolicyHolder policy = new PolicyHolder(shipped);
    AuthorizationService service =
        new AuthorizationService(policy, grants, AuthorizationService.Listener.NONE);
    return new RouteAuthorizer(policy, service, pool, () -> facts)
        .decide(new Question(null, "GET", "/mlflow/api/3.0/mlflow/workspaces", null),
            NamespaceGrants.TOKEN)
        .join();
  }

  @Test
  void oneQuestionListsTheNamespacesWhereAnyMlflowResourceCanBeListed() {
    NamespaceGrants grants = new NamespaceGrants("team-a/experiments:list",
        "team-c/registeredmodels:list", "openshift-monitoring/experiments:list");

    Answer answer = list(grants, namespaces("team-a", "team-b", "team-c", "kube-system",
        "openshift-monitoring", "redhat-ods-applications"));

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.allowed()).isTrue();
    assertThat(answer.workspaces().workspaces()).containsExactly("team-a", "team-c");
    assertThat(answer.workspaces().undecided()).isZero();
    assertThat(answer.reason()).startsWith("2 of 3 namespaces list");
    // The provider never lists these, so they are not even asked about.
    assertThat(grants.asked).noneMatch(asked -> asked.startsWith("kube-system/")
        || asked.startsWith("openshift-") || asked.startsWith("redhat-ods-"));
  }

  @Test
  void aCallerAllowedClusterWideCostsOneReviewPerCheckWhateverTheNamespaceCount() {
    NamespaceGrants admin = new NamespaceGrants("*/experiments:list");
    String[] many = new String[10_000];
    for (int i = 0; i < many.length; i++) {
      many[i] = "ns-" + i;
    }

    Answer answer = list(admin, namespaces(many));

    assertThat(answer.workspaces().workspaces()).hasSize(10_000);
    // Each route check once for all namespaces (the gateway ones are answered by policy).
    assertThat(admin.asked).hasSizeLessThanOrEqualTo(8).allMatch(asked -> asked.startsWith("*/"));
  }

  @Test
  void platformPolicyStillSwitchesResourcesOffForACallerAllowedEverywhere() {
    // The shipped policy disables the AI Gateway: a cluster-wide gateway grant lists nothing.
    NamespaceGrants gatewayAdmin = new NamespaceGrants("*/gatewayendpoints:list");

    Answer answer = list(gatewayAdmin, namespaces("team-a", "team-b"));

    assertThat(answer.workspaces().workspaces()).isEmpty();
    assertThat(gatewayAdmin.asked).noneMatch(asked -> asked.contains("gateway"));
  }

  @Test
  void tenThousandNamespacesCostAtMostTheBudgetAndTheRestAreUndecided() {
    // Before: one question per namespace, each up to eight reviews: 80,000 upstream calls.
    String[] many = new String[10_000];
    for (int i = 0; i < many.length; i++) {
      many[i] = String.format("ns-%05d", i);
    }
    NamespaceGrants grants = new NamespaceGrants("ns-00000/experiments:list");

    Answer answer = list(grants, namespaces(many));

    int checks = 8;
    assertThat(grants.asked).hasSizeLessThanOrEqualTo(checks + WorkspaceListing.MAX_REVIEWS);
    assertThat(answer.workspaces().workspaces()).containsExactly("ns-00000");
    assertThat(answer.workspaces().undecided()).isGreaterThan(9_000);
    assertThat(answer.reason()).contains("could not be decided");
  }

  @Test
  void namespacesNotKnownYetAreNotListedFromNothing() {
    // Knows no namespace and has not synced: what an informer is before its first list.
    NamespaceFacts unsynced = PolicyOverlay.NO_NAMESPACES;

    Answer answer = list(new NamespaceGrants("*/experiments:list"), unsynced);

    assertThat(answer.allowed()).isFalse();
    assertThat(answer.workspaces()).isNull();
    assertThat(answer.reason()).contains("not known yet");
  }

  @Test
  void standaloneWithoutAnAuthorityEveryNamespaceIsUndecided() {
    Answer answer = list(null, namespaces("team-a", "team-b"), TestPolicies.shipped(), pool);

    assertThat(answer.allowed()).isTrue();
    assertThat(answer.workspaces().workspaces()).isEmpty();
    assertThat(answer.workspaces().undecided()).isEqualTo(2);
  }

  @Test
  void anUnknownTokenGets401NotAnEmptyList() {
    PolicyHolder policy = new PolicyHolder(TestPolicies.shipped());
    AuthorizationService service = new AuthorizationService(policy, new NamespaceGrants(),
        AuthorizationService.Listener.NONE);

    Answer answer = new RouteAuthorizer(policy, service, pool, () -> namespaces("team-a"))
        .decide(new Question(null, "GET", "/api/3.0/mlflow/workspaces", null), "stolen")
        .join();

    assertThat(answer.status()).isEqualTo(401);
  }

  @Test
  void withAWorkspaceTheQuestionIsStillWhetherThatOneIsListed() {
    NamespaceGrants grants = new NamespaceGrants("team-a/datasets:list");
    PolicyHolder policy = new PolicyHolder(TestPolicies.shipped());
    AuthorizationService service =
        new AuthorizationService(policy, grants, AuthorizationService.Listener.NONE);
    RouteAuthorizer routes = new RouteAuthorizer(policy, service, pool,
        () -> namespaces("team-a", "team-b"));

    Answer teamA = routes.decide(new Question("team-a", "GET", "/api/3.0/mlflow/workspaces",
        null), NamespaceGrants.TOKEN).join();
    Answer teamB = routes.decide(new Question("team-b", "GET", "/api/3.0/mlflow/workspaces",
        null), NamespaceGrants.TOKEN).join();

    assertThat(teamA.allowed()).isTrue();
    assertThat(teamA.workspaces()).isNull();
    assertThat(teamB.allowed()).isFalse();
  }
}
