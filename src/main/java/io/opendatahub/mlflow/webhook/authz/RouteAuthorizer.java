package io.opendatahub.mlflow.webhook.authz;

import io.opendatahub.mlflow.webhook.admission.NamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.AuthorizationPolicy;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.policy.RouteRule;
import io.opendatahub.mlflow.webhook.policy.RouteRule.Check;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import tools.jackson.databind.JsonNode;

/**
 * Answers "may the token's owner call this tracking-server route in this workspace?" the way
 * the MLflow authorization plugin does: the route table gives the checks, each check is an
 * access review of the caller (cached, policy first), and a route the table does not know is
 * refused (404), as the plugin fails closed.
 */
public final class RouteAuthorizer {

  /** Checks of one batch in flight at once, so a large batch cannot flood the API server. */
  static final int BATCH_WINDOW = 16;
  /** Batches of one caller in flight at once. */
  static final int MAX_BATCHES_PER_CALLER = 4;

  /**
   * One question: a request the tracking server received. {@code name} is optional; so are
   * {@code body} (the request's parsed JSON body) and {@code query} (its query parameters).
   */
  public record Question(String workspace, String method, String path, String name,
      JsonNode body, Map<String, List<String>> query) {

    public Question {
      query = query == null ? Map.of() : Map.copyOf(query);
    }

    public Question(String workspace, String method, String path, String name) {
      this(workspace, method, path, name, null, Map.of());
    }
  }

  /** One access review asked for a route, and its answer. */
  public record CheckOutcome(String resource, String verb, String name, boolean allowed,
      String reason, String evaluationError) {}

  /**
   * The answer. {@code status} 200 carries a decision; otherwise {@code error} says what is
   * wrong with the question (400, 404) or the caller (401, 403).
   */
  public record Answer(int status, String error, boolean allowed, String resource, String verb,
      String reason, boolean filtered, List<CheckOutcome> checks,
      WorkspaceListing.Listed workspaces) {

    /** {@code workspaces}: only a ListWorkspaces question without a workspace has them. */
    public Answer(int status, String error, boolean allowed, String resource, String verb,
        String reason, boolean filtered, List<CheckOutcome> checks) {
      this(status, error, allowed, resource, verb, reason, filtered, checks, null);
    }

    static Answer refused(int status, String error) {
      return new Answer(status, error, false, null, null, null, false, List.of());
    }
  }

  private record Compiled(List<RouteRule> rules, RouteTable table) {}

  private final Supplier<Policy> policies;
  private final AuthorizationService authorization;
  private final Executor batches;
  private final CallerCounts batchesInFlight = new CallerCounts(MAX_BATCHES_PER_CALLER);
  private final WorkspaceListing listing;
  private volatile Compiled compiled;

  /** Batches run on a small pool of their own: see {@link #decideAll}. */
  public RouteAuthorizer(Supplier<Policy> policies, AuthorizationService authorization) {
    this(policies, authorization, () -> null);
  }

  /** {@code namespaces}: the namespaces ListWorkspaces chooses from. */
  public RouteAuthorizer(Supplier<Policy> policies, AuthorizationService authorization,
      Supplier<NamespaceFacts> namespaces) {
    this(policies, authorization, defaultBatchPool(), namespaces);
  }

  RouteAuthorizer(Supplier<Policy> policies, AuthorizationService authorization,
      Executor batches) {
    this(policies, authorization, batches, () -> null);
  }

  RouteAuthorizer(Supplier<Policy> policies, AuthorizationService authorization,
      Executor batches, Supplier<NamespaceFacts> namespaces) {
    this.policies = policies;
    this.authorization = authorization;
    this.batches = batches;
    this.listing = new WorkspaceListing(namespaces, () -> policies.get().authorization(),
        authorization, batches);
  }

  /**
   * Half the cores at most: a flood of batches (with the local authority, pure CPU) leaves the
   * event loops, and so admission, the other half.
   */
  private static Executor defaultBatchPool() {
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    AtomicInteger count = new AtomicInteger();
    return Executors.newFixedThreadPool(threads, runnable -> {
      Thread thread = new Thread(runnable, "route-check-batch-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
  }

  /**
   * The pool batches are decided on, for work that belongs to a batch (encoding its answer), so
   * a flood of batches stays on the threads set aside for them.
   */
  public Executor batchPool() {
    return batches;
  }

  public CompletableFuture<Answer> decide(Question question, String bearerToken) {
    return decide(question, BearerToken.of(bearerToken), () -> false);
  }

  private CompletableFuture<Answer> decide(Question question, BearerToken bearerToken,
      BooleanSupplier gone) {
    Optional<RouteRule> found;
    try {
      found = table().match(question.method(), question.path());
    } catch (IllegalArgumentException e) {
      return done(Answer.refused(400, e.getMessage()));
    }
    if (found.isPresent() && found.get().open()) {
      return done(new Answer(200, null, true, null, null, "public route: the tracking server"
          + " does not check it", false, List.of()));
    }
    // Every other question authenticates the caller first: a missing or unknown token gets 401
    // whatever the route table would say.
    return authorization.authenticate(bearerToken).thenCompose(refusal -> {
      if (refusal.isPresent()) {
        AuthorizeResult refused = refusal.get();
        return done(refused.decision() != null ? failedClosed(refused.decision())
            : Answer.refused(refused.httpStatus(), refused.message()));
      }
      if (found.isEmpty()) {
        return done(Answer.refused(404, "no route of the MLflow route table matches "
            + question.method() + " " + question.path() + "; unknown routes are refused, as the"
            + " tracking server's plugin refuses them (extend the table with an MLflowRouteTable"
            + " document in the policy location)"));
      }
      return decide(found.get(), question, bearerToken, gone);
    });
  }

  private CompletableFuture<Answer> decide(RouteRule rule, Question asked,
      BearerToken bearerToken, BooleanSupplier gone) {
    AuthorizationPolicy.Workspaces workspaces = policies.get().authorization().workspaces();
    String path = RouteTable.normalize(asked.path());
    if (!workspaces.enabled() && WorkspaceRoutes.api(path)) {
      return done(new Answer(200, null, false, null, null, WorkspaceRoutes.DISABLED, false,
          List.of()));
    }
    if (rule.deny() != null) {
      return done(new Answer(200, null, false, null, null, rule.deny(), false, List.of()));
    }
    Question question;
    try {
      question = WorkspaceRoutes.acting(rule, asked, path, workspaces);
    } catch (IllegalArgumentException e) {
      return done(Answer.refused(400, e.getMessage()));
    }
    if (WorkspaceRoutes.listing(rule) && blank(question.workspace())) {
      return listing.list(rule.checks(), bearerToken, gone);
    }
    if (question.workspace() == null || question.workspace().isBlank()) {
      return done(Answer.refused(400, "workspace is required for " + rule.key() + ": it is the"
          + " namespace the request acts in (the X-MLFLOW-WORKSPACE header)"));
    }
    if (WorkspaceRoutes.graphql(rule)) {
      Question read = question;
      return GraphqlChecks.heavy(question)
          ? CompletableFuture.supplyAsync(() -> GraphqlChecks.of(read), batches)
              .thenCompose(plan -> graphql(rule, plan, read, bearerToken))
          : graphql(rule, GraphqlChecks.of(question), question, bearerToken);
    }
    return rule.needsAll()
        ? all(rule, question, bearerToken, 0, new ArrayList<>())
        : any(rule, question, bearerToken, 0, new ArrayList<>());
  }

  /** Could not tell who the caller is (the API server did not answer): denied, and why. */
  private static Answer failedClosed(AccessDecision decision) {
    return new Answer(200, null, false, null, null, decision.evaluationError(), false,
        List.of());
  }

  /**
   * Many questions with one token, answered in order. The questions go in windows of
   * {@value #BATCH_WINDOW} on the batch pool, never on the caller's thread (an event loop): with
   * the local authority a window is pure CPU, and the event loop stays free for other requests.
   * A caller has at most {@value #MAX_BATCHES_PER_CALLER} batches in flight (more get 429), and
   * a batch whose client went away ({@code gone}) stops before its next window, as does one
   * refused for its caller (401, 403: the whole batch is answered with that).
   */
  public CompletableFuture<List<Answer>> decideAll(List<Question> questions, String token,
      BooleanSupplier gone) {
    BearerToken bearerToken = BearerToken.of(token);
    String caller = bearerToken.missing() ? "" : bearerToken.sha256();
    // Single questions are bounded by the caller's connections and upstream share; batches
    // multiply a request into a thousand questions, so they are counted.
    boolean counted = (questions.size() > 1 || WorkspaceRoutes.listing(questions.get(0))
        || GraphqlChecks.heavy(questions.get(0))) && !bearerToken.missing();
    if (counted && !batchesInFlight.tryEnter(caller)) {
      return done(List.of(tooManyBatches()));
    }
    // One question is as cheap as /authorize's: decided where it arrives, never queued behind
    // other callers' batch windows.
    CompletableFuture<List<Answer>> answered = questions.size() == 1
        ? decide(questions.get(0), bearerToken, gone).thenApply(List::of)
        : windows(questions, bearerToken, gone);
    if (counted) {
      answered.whenComplete((answers, failure) -> batchesInFlight.leave(caller));
    }
    return answered;
  }

  /**
   * Whether the token's owner has as many batches in flight as allowed, so that a body too
   * large to be one question can be refused before it is parsed.
   */
  public boolean batchesFull(String token) {
    BearerToken bearerToken = BearerToken.of(token);
    return !bearerToken.missing()
        && batchesInFlight.inFlight(bearerToken.sha256()) >= MAX_BATCHES_PER_CALLER;
  }

  public static Answer tooManyBatches() {
    return Answer.refused(429, "this caller already has " + MAX_BATCHES_PER_CALLER
        + " route-check batches in flight; send the next one when one of them is answered");
  }

  private CompletableFuture<List<Answer>> windows(List<Question> questions,
      BearerToken bearerToken, BooleanSupplier gone) {
    List<Answer> answers = new ArrayList<>(questions.size());
    CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
    for (int start = 0; start < questions.size(); start += BATCH_WINDOW) {
      List<Question> window = questions.subList(start,
          Math.min(start + BATCH_WINDOW, questions.size()));
      chain = chain.thenComposeAsync(ignored -> {
        if (gone.getAsBoolean()) {
          throw new CancellationException("the client went away");
        }
        if (answers.stream().anyMatch(RouteAuthorizer::refusesCaller)) {
          return done(null);
        }
        List<CompletableFuture<Answer>> pending = new ArrayList<>();
        window.forEach(question -> pending.add(decide(question, bearerToken, gone)));
        return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
            .thenRun(() -> pending.forEach(answer -> answers.add(answer.join())));
      }, batches);
    }
    return chain.thenApply(ignored -> answers);
  }

  /** A refusal about the caller, not the question: it answers the whole batch. */
  public static boolean refusesCaller(Answer answer) {
    return answer.status() == 401 || answer.status() == 403;
  }

  /** Every check must pass; the first that fails decides, as in the plugin. */
  private CompletableFuture<Answer> all(RouteRule rule, Question question, BearerToken token,
      int index, List<CheckOutcome> outcomes) {
    if (index == rule.checks().size()) {
      Check first = rule.checks().get(0);
      return done(new Answer(200, null, true, full(first), first.verb(),
          outcomes.get(outcomes.size() - 1).reason(), false, outcomes));
    }
    Check check = rule.checks().get(index);
    return ask(rule, check, question, token, outcomes).thenCompose(outcome -> {
      if (outcome.status() != 200) {
        return done(outcome);
      }
      CheckOutcome last = outcomes.get(outcomes.size() - 1);
      if (!last.allowed()) {
        return done(denied(rule, check, last, outcomes));
      }
      return all(rule, question, token, index + 1, outcomes);
    });
  }

  /** One check must pass. */
  private CompletableFuture<Answer> any(RouteRule rule, Question question, BearerToken token,
      int index, List<CheckOutcome> outcomes) {
    if (index == rule.checks().size()) {
      return done(new Answer(200, null, false, null, null, "none of " + rule.checks()
          + " is allowed in namespace " + question.workspace(), rule.filtered(), outcomes));
    }
    Check check = rule.checks().get(index);
    return ask(rule, check, question, token, outcomes).thenCompose(outcome -> {
      if (outcome.status() != 200) {
        return done(outcome);
      }
      CheckOutcome last = outcomes.get(outcomes.size() - 1);
      if (last.allowed()) {
        return done(new Answer(200, null, true, full(check), check.verb(), last.reason(), false,
            outcomes));
      }
      return any(rule, question, token, index + 1, outcomes);
    });
  }

  /**
   * A GraphQL request: every check its fields need, in upstream's order. A failing check of a
   * filtered field lets the rest go on (the tracking server filters that field's results); any
   * other failing check decides. The question's {@code name} stands for the one object a
   * by-name field reads, so it is used only when the query reads exactly one.
   */
  private CompletableFuture<Answer> graphql(RouteRule route, GraphqlChecks.Plan plan,
      Question question, BearerToken token) {
    if (plan.refusal() != null) {
      return done(new Answer(200, null, false, null, null, plan.refusal(), false, List.of()));
    }
    return graphql(route, plan, question, token, 0, null, new ArrayList<>());
  }

  private CompletableFuture<Answer> graphql(RouteRule route, GraphqlChecks.Plan plan,
      Question question, BearerToken token, int index, GraphqlChecks.FieldCheck filtered,
      List<CheckOutcome> outcomes) {
    if (index == plan.checks().size()) {
      if (filtered != null) {
        return done(new Answer(200, null, false, full(filtered.check()),
            filtered.check().verb(), outcomes.stream()
            .filter(o -> !o.allowed() && o.resource().equals(full(filtered.check()))
                && o.verb().equals(filtered.check().verb()))
            .map(CheckOutcome::reason).filter(java.util.Objects::nonNull).findFirst()
            .orElse("no RBAC rule allows " + filtered.check() + " here") + "; the"
            + " tracking server then filters what " + String.join(", ", filtered.fields())
            + " return to what the caller may see", true, outcomes));
      }
      return done(new Answer(200, null, true, full(plan.checks().get(0).check()),
          plan.checks().get(0).check().verb(), outcomes.get(outcomes.size() - 1).reason(),
          false, outcomes));
    }
    GraphqlChecks.FieldCheck field = plan.checks().get(index);
    boolean byName = field.mode() == GraphqlChecks.Mode.BY_NAME && plan.namedObjects() == 1;
    RouteRule one = new RouteRule(route.method(), route.path(),
        List.of(field.check().toString()), null, byName, false, null, null, null);
    return ask(one, field.check(), question, token, outcomes).thenCompose(outcome -> {
      if (outcome.status() != 200) {
        return done(outcome);
      }
      CheckOutcome last = outcomes.get(outcomes.size() - 1);
      if (last.allowed()) {
        return graphql(route, plan, question, token, index + 1, filtered, outcomes);
      }
      if (field.mode() == GraphqlChecks.Mode.FILTERED && last.evaluationError() == null) {
        return graphql(route, plan, question, token, index + 1,
            filtered == null ? field : filtered, outcomes);
      }
      Answer denied = denied(one, field.check(), last, outcomes);
      return done(new Answer(200, null, false, denied.resource(), denied.verb(),
          denied.reason() + " (needed for GraphQL field" + (field.fields().size() > 1 ? "s " : " ")
          + String.join(", ", field.fields()) + ")", false, outcomes));
    });
  }

  private static boolean blank(String value) {
    return value == null || value.isBlank();
  }

  /**
   * The unnamed check, then (for byName rules whose question names the object) the named one.
   * Completes with a 200 marker when {@code outcomes} got the check's last word, or with the
   * refusal (401/403) that stops the route.
   */
  private CompletableFuture<Answer> ask(RouteRule rule, Check check, Question question,
      BearerToken token, List<CheckOutcome> outcomes) {
    return review(check, question.workspace(), "", token).thenCompose(broad -> {
      if (broad.decision() == null) {
        return done(Answer.refused(broad.httpStatus(), broad.message()));
      }
      boolean retryByName = !broad.decision().allowed() && rule.byName()
          && question.name() != null && !question.name().isBlank()
          && broad.decision().evaluationError() == null;
      if (!retryByName) {
        outcomes.add(outcome(check, "", broad.decision()));
        return done(CONTINUE);
      }
      return review(check, question.workspace(), question.name(), token).thenApply(named -> {
        if (named.decision() == null) {
          return Answer.refused(named.httpStatus(), named.message());
        }
        outcomes.add(outcome(check, question.name(), named.decision()));
        return CONTINUE;
      });
    });
  }

  private static final Answer CONTINUE = new Answer(200, null, false, null, null, null, false,
      List.of());

  private CompletableFuture<AuthorizeResult> review(Check check, String namespace, String name,
      BearerToken token) {
    return authorization.authorizeSelf(new ResourceAttributes(namespace, check.verb(),
        AuthorizationPolicy.MLFLOW_GROUP, "", check.resource(), check.subresource(), name), token);
  }

  private static Answer denied(RouteRule rule, Check check, CheckOutcome last,
      List<CheckOutcome> outcomes) {
    String reason = last.evaluationError() != null ? last.evaluationError()
        : last.reason() != null ? last.reason() : "no RBAC rule allows " + check + " here";
    if (rule.filtered()) {
      reason += "; the tracking server then filters the collection down to the items the caller"
          + " may see";
    }
    return new Answer(200, null, false, full(check), check.verb(), reason, rule.filtered(),
        outcomes);
  }

  private static CheckOutcome outcome(Check check, String name, AccessDecision decision) {
    return new CheckOutcome(full(check), check.verb(), name.isEmpty() ? null : name,
        decision.allowed(), decision.reason(), decision.evaluationError());
  }

  private static String full(Check check) {
    return check.subresource().isEmpty() ? check.resource()
        : check.resource() + "/" + check.subresource();
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
