package io.opendatahub.mlflow.webhook.authz;

import io.opendatahub.mlflow.webhook.admission.NamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.policy.RouteRule.Check;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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

  /**
   * One question: a request the tracking server received. {@code name} is optional; so are
   * {@code body} (the request's parsed JSON body), {@code query} (parameter -> values) and
   * {@code headers} (name -> value; names compared without case), which the route table may
   * take names from.
   */
  public record Question(String workspace, String method, String path, String name,
      JsonNode body, Map<String, List<String>> query, Map<String, String> headers) {

    public Question {
      query = query == null ? Map.of() : Map.copyOf(query);
      Map<String, String> lower = new HashMap<>();
      if (headers != null) {
        headers.forEach((header, value) -> lower.put(header.toLowerCase(Locale.ROOT), value));
      }
      headers = Map.copyOf(lower);
    }

    public Question(String workspace, String method, String path, String name) {
      this(workspace, method, path, name, null, Map.of(), Map.of());
    }

    /** The values of a query parameter, none when absent. */
    public List<String> queryValues(String parameter) {
      return query.getOrDefault(parameter, List.of());
    }

    /** A header's value, whatever the case of its name; null when absent. */
    public String header(String header) {
      return headers.get(header.toLowerCase(Locale.ROOT));
    }
  }

  /** One access review asked for a route, and its answer. */
  public record CheckOutcome(String resource, String verb, String name, boolean allowed,
      String reason, String evaluationError) {}

  /**
   * The answer: a refusal of the question ({@code status} 400, 404) or the caller (401, 403,
   * 429) with its {@code error}, or (status 200) a {@link Verdict}. Built by the named factories.
   */
  public record Answer(int status, String error, Verdict verdict,
      WorkspaceListing.Listed workspaces) {

    /** {@code workspaces}: only a ListWorkspaces question without a workspace has them. */
    public Answer(int status, String error, Verdict verdict) {
      this(status, error, verdict, null);
    }

    /**
     * A decision on the route: {@code decisive} is the check that decided (null for public and
     * always-denied routes, and for an {@code anyOf} none of whose checks passed).
     */
    public record Verdict(boolean allowed, Check decisive, String reason, boolean filtered,
        List<CheckOutcome> checks) {
      public Verdict {
        checks = List.copyOf(checks);
      }
    }

    public static Answer refused(int status, String error) {
      return new Answer(status, error, null);
    }

    public static Answer allowed(Check decisive, String reason, List<CheckOutcome> checks) {
      return new Answer(200, null, new Verdict(true, decisive, reason, false, checks));
    }

    public static Answer denied(Check decisive, String reason, boolean filtered,
        List<CheckOutcome> checks) {
      return new Answer(200, null, new Verdict(false, decisive, reason, filtered, checks));
    }

    /** A route the tracking server does not check. */
    public static Answer open() {
      return allowed(null, "public route: the tracking server does not check it", List.of());
    }

    public boolean allowed() {
      return verdict != null && verdict.allowed();
    }

    /** {@code resource[/subresource]} of the deciding check, or null. */
    public String resource() {
      return verdict == null || verdict.decisive() == null ? null
          : verdict.decisive().fullResource();
    }

    public String verb() {
      return verdict == null || verdict.decisive() == null ? null : verdict.decisive().verb();
    }

    public String reason() {
      return verdict == null ? null : verdict.reason();
    }

    public boolean filtered() {
      return verdict != null && verdict.filtered();
    }

    public List<CheckOutcome> checks() {
      return verdict == null ? List.of() : verdict.checks();
    }
  }

  private final RouteQuestions decider;
  private final Executor batches;
  private final RouteBatches batched;

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
    this.decider = new RouteQuestions(policies, authorization, batches, namespaces);
    this.batches = batches;
    this.batched = new RouteBatches(decider, batches);
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
    return decider.decide(question, BearerToken.of(bearerToken), () -> false);
  }

  /** Many questions with one token, answered in order: see {@link RouteBatches}. */
  public CompletableFuture<List<Answer>> decideAll(List<Question> questions, String token,
      BooleanSupplier gone) {
    return batched.decideAll(questions, BearerToken.of(token), gone);
  }

  /**
   * Whether the token's owner has as many batches in flight as allowed, so that a body too
   * large to be one question can be refused before it is parsed.
   */
  public boolean batchesFull(String token) {
    return batched.full(BearerToken.of(token));
  }

  public static Answer tooManyBatches() {
    return Answer.refused(429, "this caller already has " + RouteBatches.MAX_BATCHES_PER_CALLER
        + " route-check batches in flight; send the next one when one of them is answered");
  }

  /** A refusal about the caller, not the question: it answers the whole batch. */
  public static boolean refusesCaller(Answer answer) {
    return answer.status() == 401 || answer.status() == 403;
  }
}
