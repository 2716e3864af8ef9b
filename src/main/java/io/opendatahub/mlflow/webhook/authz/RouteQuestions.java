package io.opendatahub.mlflow.webhook.authz;

import io.opendatahub.mlflow.webhook.admission.MalformedReviewException;
import io.opendatahub.mlflow.webhook.admission.NamespaceFacts;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.Answer;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.Question;
import io.opendatahub.mlflow.webhook.policy.AuthorizationPolicy;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.policy.RouteRule;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * One route question, one answer: the route found in the policy's table (compiled once per
 * table), the caller authenticated unless the route is public, the workspace it acts in
 * ({@link WorkspaceRoutes}), the names its checks take read from the question, then the checks
 * asked ({@link RouteChecks}); ListWorkspaces and GraphQL have their own ({@link
 * WorkspaceListing}, {@link GraphqlRoute}).
 */
final class RouteQuestions {

  private record Compiled(List<RouteRule> rules, RouteTable table) {}

  private final Supplier<Policy> policies;
  private final AuthorizationService authorization;
  private final RouteChecks checks;
  private final WorkspaceListing listing;
  private final GraphqlRoute graphql;
  private volatile Compiled compiled;

  RouteQuestions(Supplier<Policy> policies, AuthorizationService authorization,
      Executor batches, Supplier<NamespaceFacts> namespaces) {
    this.policies = policies;
    this.authorization = authorization;
    this.checks = new RouteChecks(authorization);
    this.listing = new WorkspaceListing(namespaces, () -> policies.get().authorization(),
        authorization, batches);
    this.graphql = new GraphqlRoute(checks, batches);
  }

  CompletableFuture<Answer> decide(Question question, BearerToken bearerToken,
      BooleanSupplier gone) {
    Optional<RouteTable.Match> found;
    try {
      found = table().match(question.method(), question.path());
    } catch (IllegalArgumentException e) {
      return done(Answer.refused(400, e.getMessage()));
    }
    if (found.isPresent() && found.get().rule().open()) {
      return done(Answer.open());
    }
    // Every other question authenticates the caller first: a missing or unknown token gets 401
    // whatever the route table would say.
    return authorization.authenticate(bearerToken).thenCompose(caller -> {
      if (caller.refused()) {
        AuthorizeResult refused = caller.refusal();
        return done(refused.decision() != null ? failedClosed(refused.decision())
            : Answer.refused(refused.httpStatus(), refused.message()));
      }
      if (found.isEmpty()) {
        return done(Answer.refused(404, "no route of the MLflow route table matches "
            + question.method() + " " + question.path() + "; unknown routes are refused, as the"
            + " tracking server's plugin refuses them (extend the table with an MLflowRouteTable"
            + " document in the policy location)"));
      }
      return decide(found.get(), question, caller, gone);
    });
  }

  private CompletableFuture<Answer> decide(RouteTable.Match match, Question asked,
      Authentication caller, BooleanSupplier gone) {
    RouteRule rule = match.rule();
    AuthorizationPolicy.Workspaces workspaces = policies.get().authorization().workspaces();
    String path = match.path();
    if (!workspaces.enabled() && WorkspaceRoutes.api(path)) {
      return done(Answer.denied(null, WorkspaceRoutes.DISABLED, false, List.of()));
    }
    if (rule.deny() != null) {
      return done(Answer.denied(null, rule.deny(), false, List.of()));
    }
    Question question;
    try {
      question = WorkspaceRoutes.acting(rule, asked, path, workspaces);
    } catch (IllegalArgumentException e) {
      return done(Answer.refused(400, e.getMessage()));
    }
    if (WorkspaceRoutes.listing(rule) && blank(question.workspace())) {
      return listing.list(rule.checks(), caller.token(), gone);
    }
    if (blank(question.workspace())) {
      return done(Answer.refused(400, "workspace is required for " + rule.key() + ": it is the"
          + " namespace the request acts in (the X-MLFLOW-WORKSPACE header)"));
    }
    if (WorkspaceRoutes.graphql(rule)) {
      return graphql.decide(rule, question, caller);
    }
    List<List<String>> names;
    try {
      names = CheckNames.of(rule, question, match.parameters());
    } catch (MalformedReviewException e) {
      return done(Answer.refused(400, e.getMessage()));
    }
    return checks.decide(rule, question.workspace(), names, caller);
  }

  /** Could not tell who the caller is (the API server did not answer): denied, and why. */
  private static Answer failedClosed(AccessDecision decision) {
    return Answer.denied(null, decision.evaluationError(), false, List.of());
  }

  private static boolean blank(String value) {
    return value == null || value.isBlank();
  }

  private RouteTable table() {
    List<RouteRule> rules = policies.get().routes();
    Compiled current = compiled;
    if (current == null || current.rules() != rules) {
      current = new Compiled(rules, new RouteTable(rules));
      compiled = current;
    }
    return current.table();
  }

  private static <T> CompletableFuture<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}
