package io.opendatahub.mlflow.webhook.authz;

import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.Answer;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.CheckOutcome;
import io.opendatahub.mlflow.webhook.policy.AuthorizationPolicy;
import io.opendatahub.mlflow.webhook.policy.RouteRule;
import io.opendatahub.mlflow.webhook.policy.RouteRule.Check;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Asks the checks of one route, as the plugin asks them: each check unnamed first; when that is
 * denied and the check has names, once per name (all must pass). {@code requires} stops at the
 * first check that fails, {@code anyOf} at the first that passes. A check that applies only when
 * the request references an object is skipped when it references none.
 */
final class RouteChecks {

  private final AuthorizationService authorization;

  RouteChecks(AuthorizationService authorization) {
    this.authorization = authorization;
  }

  /** One route, one question: the checks' names already read ({@link CheckNames}). */
  private record Route(RouteRule rule, String namespace, List<List<String>> names,
      Authentication caller, List<CheckOutcome> outcomes) {}

  /** A check's last word: passed or not, or a refusal (401/403) that stops the route. */
  private record Asked(boolean passed, Answer refusal) {}

  CompletableFuture<Answer> decide(RouteRule rule, String namespace, List<List<String>> names,
      Authentication caller) {
    Route route = new Route(rule, namespace, names, caller, new ArrayList<>());
    return rule.needsAll() ? all(route, 0) : any(route, 0);
  }

  private CompletableFuture<Answer> all(Route route, int index) {
    List<Check> checks = route.rule().checks();
    if (index == checks.size()) {
      String reason = route.outcomes().isEmpty() ? null
          : route.outcomes().get(route.outcomes().size() - 1).reason();
      return done(Answer.allowed(checks.get(0), reason, route.outcomes()));
    }
    Check check = checks.get(index);
    return ask(route, index).thenCompose(asked -> {
      if (asked.refusal() != null) {
        return done(asked.refusal());
      }
      return asked.passed() ? all(route, index + 1) : done(denied(route, check));
    });
  }

  private CompletableFuture<Answer> any(Route route, int index) {
    List<Check> checks = route.rule().checks();
    if (index == checks.size()) {
      return done(Answer.denied(null, "none of " + checks + " is allowed in namespace "
          + route.namespace(), route.rule().filtered(), route.outcomes()));
    }
    Check check = checks.get(index);
    return ask(route, index).thenCompose(asked -> {
      if (asked.refusal() != null) {
        return done(asked.refusal());
      }
      if (asked.passed()) {
        CheckOutcome last = route.outcomes().get(route.outcomes().size() - 1);
        return done(Answer.allowed(check, last.reason(), route.outcomes()));
      }
      return any(route, index + 1);
    });
  }

  private CompletableFuture<Asked> ask(Route route, int index) {
    Check check = route.rule().checks().get(index);
    List<String> names = route.names().get(index);
    if (check.whenReferenced() && names.isEmpty()) {
      return done(new Asked(true, null));
    }
    return review(check, route, "").thenCompose(broad -> {
      if (broad.decision() == null) {
        return done(new Asked(false, Answer.refused(broad.httpStatus(), broad.message())));
      }
      AccessDecision decision = broad.decision();
      if (decision.allowed() || names.isEmpty() || decision.evaluationError() != null) {
        route.outcomes().add(outcome(check, "", decision));
        return done(new Asked(decision.allowed(), null));
      }
      return named(route, check, names, 0);
    });
  }

  /** Every name must be allowed; the first denied one is the check's last word. */
  private CompletableFuture<Asked> named(Route route, Check check, List<String> names,
      int index) {
    if (index == names.size()) {
      return done(new Asked(true, null));
    }
    return review(check, route, names.get(index)).thenCompose(named -> {
      if (named.decision() == null) {
        return done(new Asked(false, Answer.refused(named.httpStatus(), named.message())));
      }
      route.outcomes().add(outcome(check, names.get(index), named.decision()));
      return named.decision().allowed() ? named(route, check, names, index + 1)
          : done(new Asked(false, null));
    });
  }

  private CompletableFuture<AuthorizeResult> review(Check check, Route route, String name) {
    return authorization.authorizeSelf(new ResourceAttributes(route.namespace(), check.verb(),
        AuthorizationPolicy.MLFLOW_GROUP, "", check.resource(), check.subresource(), name),
        route.caller());
  }

  private static Answer denied(Route route, Check check) {
    CheckOutcome last = route.outcomes().get(route.outcomes().size() - 1);
    String reason = last.evaluationError() != null ? last.evaluationError()
        : last.reason() != null ? last.reason() : "no RBAC rule allows " + check + " here";
    boolean filtered = route.rule().filtered();
    if (filtered) {
      reason += "; the tracking server then filters the collection down to the items the caller"
          + " may see";
    }
    return Answer.denied(check, reason, filtered, route.outcomes());
  }

  private static CheckOutcome outcome(Check check, String name, AccessDecision decision) {
    return new CheckOutcome(check.fullResource(), check.verb(), name.isEmpty() ? null : name,
        decision.allowed(), decision.reason(), decision.evaluationError());
  }

  private static <T> CompletableFuture<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}
