package io.opendatahub.mlflow.webhook.authz;

import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.Answer;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.CheckOutcome;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.Question;
import io.opendatahub.mlflow.webhook.policy.RouteRule;
import io.opendatahub.mlflow.webhook.policy.RouteRule.Check;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A GraphQL request: every check its fields need ({@link GraphqlChecks}), in upstream's order,
 * each asked as a route of one check. A failing check of a filtered field lets the rest go on
 * (the tracking server filters that field's results); any other failing check decides. The
 * question's {@code name} stands for the one object a by-name field reads, so it is used only
 * when the query reads exactly one.
 */
final class GraphqlRoute {

  private final RouteChecks checks;
  private final Executor heavyDocuments;

  GraphqlRoute(RouteChecks checks, Executor heavyDocuments) {
    this.checks = checks;
    this.heavyDocuments = heavyDocuments;
  }

  CompletableFuture<Answer> decide(RouteRule route, Question question, Authentication caller) {
    // A long document takes milliseconds to parse: not on the caller's thread (an event loop).
    return GraphqlRequest.heavy(question)
        ? CompletableFuture.supplyAsync(() -> GraphqlChecks.of(question), heavyDocuments)
            .thenCompose(plan -> decide(route, plan, question, caller))
        : decide(route, GraphqlChecks.of(question), question, caller);
  }

  private CompletableFuture<Answer> decide(RouteRule route, GraphqlChecks.Plan plan,
      Question question, Authentication caller) {
    if (plan.refusal() != null) {
      return done(Answer.denied(null, plan.refusal(), false, List.of()));
    }
    return step(route, plan, question, caller, 0, null, new ArrayList<>());
  }

  private CompletableFuture<Answer> step(RouteRule route, GraphqlChecks.Plan plan,
      Question question, Authentication caller, int index, GraphqlChecks.FieldCheck filtered,
      List<CheckOutcome> outcomes) {
    if (index == plan.checks().size()) {
      return done(filtered != null ? filteredAnswer(filtered, outcomes) : allowed(plan, outcomes));
    }
    GraphqlChecks.FieldCheck field = plan.checks().get(index);
    boolean byName = field.mode() == GraphqlChecks.Mode.BY_NAME && plan.namedObjects() == 1
        && question.name() != null && !question.name().isBlank();
    RouteRule one = new RouteRule(route.method(), route.path(), List.of(field.check()), null,
        false, false, null, null, null, null);
    List<List<String>> names = List.of(byName ? List.of(question.name()) : List.of());
    return checks.decide(one, question.workspace(), names, caller).thenCompose(answer -> {
      if (answer.status() != 200) {
        return done(answer);
      }
      outcomes.addAll(answer.checks());
      if (answer.allowed()) {
        return step(route, plan, question, caller, index + 1, filtered, outcomes);
      }
      CheckOutcome last = outcomes.get(outcomes.size() - 1);
      if (field.mode() == GraphqlChecks.Mode.FILTERED && last.evaluationError() == null) {
        return step(route, plan, question, caller, index + 1,
            filtered == null ? field : filtered, outcomes);
      }
      return done(Answer.denied(field.check(), answer.reason() + " (needed for GraphQL field"
          + (field.fields().size() > 1 ? "s " : " ") + String.join(", ", field.fields()) + ")",
          false, outcomes));
    });
  }

  private static Answer allowed(GraphqlChecks.Plan plan, List<CheckOutcome> outcomes) {
    Check first = plan.checks().isEmpty() ? null : plan.checks().get(0).check();
    String reason = outcomes.isEmpty() ? null : outcomes.get(outcomes.size() - 1).reason();
    return Answer.allowed(first, reason, outcomes);
  }

  private static Answer filteredAnswer(GraphqlChecks.FieldCheck filtered,
      List<CheckOutcome> outcomes) {
    Check check = filtered.check();
    String why = outcomes.stream()
        .filter(o -> !o.allowed() && o.resource().equals(check.fullResource())
            && o.verb().equals(check.verb()))
        .map(CheckOutcome::reason).filter(Objects::nonNull).findFirst()
        .orElse("no RBAC rule allows " + check + " here");
    return Answer.denied(check, why + "; the tracking server then filters what "
        + String.join(", ", filtered.fields()) + " return to what the caller may see", true,
        outcomes);
  }

  private static <T> CompletableFuture<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}
