package io.opendatahub.mlflow.webhook.authz;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.Answer;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.Question;
import io.opendatahub.mlflow.webhook.authz.AccessReviewer;
import io.opendatahub.mlflow.webhook.policy.PolicyHolder;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Route checks as the plugin makes them: all or any of the checks, by name when allowed. */
class RouteAuthorizerTest {

  private static final String TOKEN = Grants.TOKEN;

  private static Answer ask(Grants grants, String workspace, String method, String path,
      String name) {
    PolicyHolder policy = new PolicyHolder(TestPolicies.shipped());
    AuthorizationService service =
        new AuthorizationService(policy, grants, AuthorizationService.Listener.NONE);
    return new RouteAuthorizer(policy, service)
        .decide(new Question(workspace, method, path, name), TOKEN).join();
  }

  @Test
  void aNamedRetryAllowsWhatTheUnnamedCheckDoesNot() {
    Grants grants = new Grants("experiments:update:exp-1");

    Answer named = ask(grants, "team-a", "POST", "/api/2.0/mlflow/runs/log-metric", "exp-1");
    Answer other = ask(grants, "team-a", "POST", "/api/2.0/mlflow/runs/log-metric", "exp-2");

    assertThat(named.allowed()).isTrue();
    assertThat(named.checks()).singleElement().satisfies(c -> assertThat(c.name()).isEqualTo("exp-1"));
    assertThat(other.allowed()).isFalse();
    assertThat(grants.asked).containsExactly("experiments:update@team-a",
        "experiments:update:exp-1@team-a", "experiments:update@team-a",
        "experiments:update:exp-2@team-a");
  }

  @Test
  void aBareCreateIsNeverRetriedByName() {
    Grants grants = new Grants("experiments:create:exp-1");

    Answer answer = ask(grants, "team-a", "POST", "/api/2.0/mlflow/experiments/create", "exp-1");

    assertThat(answer.allowed()).isFalse();
    assertThat(grants.asked).containsExactly("experiments:create@team-a");
  }

  @Test
  void everyRequiredCheckMustPassAndTheFirstFailureDecides() {
    Grants datasetsOnly = new Grants("datasets:update");

    Answer answer = ask(datasetsOnly, "team-a", "POST",
        "/api/3.0/mlflow/datasets/d-1/remove-experiments", null);

    assertThat(answer.allowed()).isFalse();
    assertThat(answer.resource()).isEqualTo("experiments");
    assertThat(answer.verb()).isEqualTo("update");
    assertThat(answer.checks()).extracting(RouteAuthorizer.CheckOutcome::allowed)
        .containsExactly(true, false);
    assertThat(ask(new Grants("datasets:update", "experiments:update"), "team-a", "POST",
        "/api/3.0/mlflow/datasets/d-1/remove-experiments", null).allowed()).isTrue();
  }

  @Test
  void aWorkspaceIsVisibleWhenAnyOfItsResourcesCanBeListed() {
    Grants grants = new Grants("registeredmodels:list");

    Answer visible = ask(grants, "team-a", "GET", "/api/3.0/mlflow/workspaces", null);
    Answer hidden = ask(grants, "team-b", "GET", "/api/3.0/mlflow/workspaces", null);

    assertThat(visible.allowed()).isTrue();
    assertThat(visible.resource()).isEqualTo("registeredmodels");
    assertThat(hidden.allowed()).isFalse();
    assertThat(hidden.reason()).startsWith("none of [experiments:list, datasets:list");
  }

  @Test
  void aCollectionRouteSaysTheTrackingServerFiltersWhenTheBroadCheckFails() {
    Answer answer = ask(new Grants(), "team-a", "POST", "/api/2.0/mlflow/runs/search", null);

    assertThat(answer.allowed()).isFalse();
    assertThat(answer.filtered()).isTrue();
    assertThat(answer.reason()).contains("filter");
  }

  @Test
  void platformPolicyStillComesFirst() {
    Grants everything = new Grants("gatewayendpoints/use:create");

    Answer answer = ask(everything, "team-a", "POST", "/gateway/my-endpoint/mlflow/invocations",
        null);

    assertThat(answer.allowed()).isFalse();
    assertThat(answer.reason()).contains("AI Gateway is disabled on this platform");
    assertThat(everything.asked).isEmpty();
  }

  private static List<Question> workspaces(int count) {
    List<Question> questions = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      questions.add(new Question("ns-" + i, "GET", "/api/3.0/mlflow/workspaces", null));
    }
    return questions;
  }

  private static RouteAuthorizer authorizer(AccessReviewer cluster, Executor batches) {
    PolicyHolder policy = new PolicyHolder(TestPolicies.shipped());
    return new RouteAuthorizer(policy,
        new AuthorizationService(policy, cluster, AuthorizationService.Listener.NONE), batches);
  }

  @Test
  void aBatchIsDecidedOffTheCallersThread() throws Exception {
    Grants local = new Grants("experiments:list");
    RouteAuthorizer authorizer = new RouteAuthorizer(new PolicyHolder(TestPolicies.shipped()),
        new AuthorizationService(new PolicyHolder(TestPolicies.shipped()), local,
            AuthorizationService.Listener.NONE));
    List<List<Answer>> answers = new ArrayList<>();
    // Stands for an event loop: a local authority answers at once, on whichever thread asks.
    Thread loop = new Thread(() -> answers.add(
        authorizer.decideAll(workspaces(100), TOKEN, () -> false).join()), "event-loop-stand-in");
    loop.start();
    loop.join(60_000);

    assertThat(answers).singleElement().satisfies(list -> assertThat(list).hasSize(100));
    assertThat(local.threads).isNotEmpty().doesNotContain("event-loop-stand-in");
  }

  @Test
  void aBatchWhoseClientWentAwayStopsAtTheNextWindow() {
    Grants grants = new Grants();
    AtomicInteger windows = new AtomicInteger();
    AtomicBoolean gone = new AtomicBoolean();
    // The client hangs up while the first window is being decided.
    Executor batches = task -> {
      if (windows.incrementAndGet() == 2) {
        gone.set(true);
      }
      task.run();
    };

    CompletableFuture<List<Answer>> answers =
        authorizer(grants, batches).decideAll(workspaces(1000), TOKEN, gone::get);

    assertThat(answers).isCompletedExceptionally();
    // One window of 16 workspaces, 8 checks each, then nothing more.
    assertThat(grants.asked).hasSizeLessThanOrEqualTo(RouteBatches.BATCH_WINDOW * 8);
  }

  /** Answers nothing until the test says so. */
  private static final class Held implements AccessReviewer {
    final List<CompletableFuture<AccessDecision>> pending =
        Collections.synchronizedList(new ArrayList<>());

    @Override
    public CompletableFuture<Optional<Identity>> authenticate(String bearerToken) {
      return CompletableFuture.completedFuture(Optional.of(new Identity("dana", "", List.of(),
          Map.of())));
    }

    @Override
    public CompletableFuture<AccessDecision> review(Identity identity, ResourceAttributes a) {
      CompletableFuture<AccessDecision> answer = new CompletableFuture<>();
      pending.add(answer);
      return answer;
    }
  }

  @Test
  void aCallerHasAtMostFourBatchesInFlight() {
    Held held = new Held();
    RouteAuthorizer authorizer = authorizer(held, Runnable::run);
    List<CompletableFuture<List<Answer>>> batches = new ArrayList<>();
    for (int i = 0; i < RouteBatches.MAX_BATCHES_PER_CALLER; i++) {
      batches.add(authorizer.decideAll(workspaces(2), TOKEN, () -> false));
    }

    List<Answer> fifth = authorizer.decideAll(workspaces(2), TOKEN, () -> false).join();
    List<Answer> otherCaller = authorizer.decideAll(workspaces(2), "token-of-erin",
        () -> false).getNow(null);

    assertThat(fifth).singleElement().satisfies(a -> assertThat(a.status()).isEqualTo(429));
    assertThat(authorizer.batchesFull(TOKEN)).isTrue();
    assertThat(authorizer.batchesFull("token-of-erin")).isFalse();
    assertThat(otherCaller).as("another caller's batch is still being decided").isNull();
    assertThat(batches).allSatisfy(batch -> assertThat(batch).isNotDone());
  }
}
