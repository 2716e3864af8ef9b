package io.opendatahub.mlflow.webhook.authz;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.Answer;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.Question;
import io.opendatahub.mlflow.webhook.cluster.AccessReviewer;
import io.opendatahub.mlflow.webhook.policy.PolicyHolder;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Route checks as the plugin makes them: all or any of the checks, by name when allowed. */
class RouteAuthorizerTest {

  private static final String TOKEN = "token-of-dana";

  /** RBAC for dana in team-a: the grants listed, as "resource/sub:verb" or "...:verb:name". */
  private static final class Grants implements AccessReviewer {
    private final Set<String> grants;
    final List<String> asked = Collections.synchronizedList(new ArrayList<>());

    Grants(String... grants) {
      this.grants = Set.of(grants);
    }

    @Override
    public CompletableFuture<Optional<Identity>> authenticate(String bearerToken) {
      return CompletableFuture.completedFuture(TOKEN.equals(bearerToken)
          ? Optional.of(new Identity("dana", "", List.of(), Map.of())) : Optional.empty());
    }

    @Override
    public CompletableFuture<AccessDecision> review(Identity identity, ResourceAttributes a) {
      String key = a.fullResource() + ":" + a.verb() + (a.name().isEmpty() ? "" : ":" + a.name());
      asked.add(key + "@" + a.namespace());
      boolean allowed = a.namespace().equals("team-a") && grants.contains(key);
      return CompletableFuture.completedFuture(new AccessDecision(allowed, false,
          allowed ? "granted " + key : null, null, AccessDecision.Source.KUBERNETES));
    }
  }

  private static Answer ask(Grants grants, String workspace, String method, String path,
      String name) {
    PolicyHolder policy = new PolicyHolder(TestPolicies.shipped());
    AuthorizationService service =
        new AuthorizationService(policy, grants, AuthorizationService.Observer.NONE);
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
}
