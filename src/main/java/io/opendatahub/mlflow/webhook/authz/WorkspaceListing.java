package io.opendatahub.mlflow.webhook.authz;

import io.opendatahub.mlflow.webhook.admission.NamespaceFacts;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.Answer;
import io.opendatahub.mlflow.webhook.policy.AuthorizationPolicy;
import io.opendatahub.mlflow.webhook.policy.RouteRule.Check;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * {@code ListWorkspaces} answered in one question: the namespaces the caller may see, as the
 * tracking server's plugin filters its workspace list (mlflow-kubernetes-plugins
 * {@code auth/authorizer.py} {@code accessible_workspaces}: a namespace stays when one of the
 * route's checks, {@code list} on an MLflow resource, is allowed there).
 *
 * <p>Candidates are the namespaces the service knows (the namespace informer on a cluster, the
 * policy's named namespaces standalone), less the ones the plugin's workspace provider never
 * lists ({@code workspace_plugin/provider.py} {@code DEFAULT_NAMESPACE_EXCLUDE_GLOBS}). Every
 * check goes through the same policy, authority and cache as any other question.
 *
 * <p>Bounded: each route check is first asked for all namespaces at once (a caller allowed
 * cluster-wide sees every namespace the policy does not switch off, for one review per check);
 * then at most {@value #MAX_REVIEWS} reviews per question, {@value #WINDOW} namespaces at a
 * time on the batch pool. Namespaces left when the budget is spent, or whose check failed
 * closed, are left out and counted as {@code undecided}: never listed from nothing.
 */
final class WorkspaceListing {

  /** Reviews one listing may ask: what one full batch of questions may ask. */
  static final int MAX_REVIEWS = RouteQuestionCodec.MAX_BATCH;
  static final int WINDOW = 16;

  private static final List<Pattern> NEVER_LISTED = List.of("dedicated-admin", "kube-*",
      "nvidia-gpu-operator", "open-cluster-management", "open-cluster-management-*",
      "openshift-*", "openshift", "redhat-ods-*").stream()
      .map(glob -> Pattern.compile(Pattern.quote(glob).replace("*", "\\E.*\\Q")))
      .toList();

  /** The namespaces listed, and how many could not be decided. */
  record Listed(List<String> workspaces, int undecided) {}

  private final Supplier<NamespaceFacts> facts;
  private final Supplier<AuthorizationPolicy> settings;
  private final AuthorizationService authorization;
  private final Executor pool;

  WorkspaceListing(Supplier<NamespaceFacts> facts, Supplier<AuthorizationPolicy> settings,
      AuthorizationService authorization, Executor pool) {
    this.facts = facts;
    this.settings = settings;
    this.authorization = authorization;
    this.pool = pool;
  }

  static boolean neverListed(String namespace) {
    return NEVER_LISTED.stream().anyMatch(glob -> glob.matcher(namespace).matches());
  }

  CompletableFuture<Answer> list(List<Check> checks, BearerToken token, BooleanSupplier gone) {
    NamespaceFacts known = facts.get();
    if (known == null || !known.synced()) {
      return CompletableFuture.completedFuture(Answer.denied(null, "the namespaces are not known"
          + " yet (the namespace informer has not synced): the workspace list cannot be computed",
          false, List.of()));
    }
    List<String> candidates = known.namespaces().stream()
        .map(NamespaceFacts.KnownNamespace::name)
        .filter(name -> !neverListed(name))
        .sorted()
        .toList();
    AtomicInteger reviews = new AtomicInteger();
    // Started on the pool: with the local authority every review completes at once, and the
    // whole listing would otherwise run on the caller's thread (an event loop).
    return CompletableFuture.supplyAsync(() -> null, pool)
        .thenCompose(ignored -> clusterWide(checks, token, 0, new ArrayList<>(), reviews))
        .thenCompose(wide -> {
          if (wide.refusal() != null) {
            return CompletableFuture.completedFuture(wide.refusal());
          }
          return perNamespace(candidates, checks, wide.allowed(), token, gone, reviews)
              .thenApply(listed -> answer(listed, candidates.size(), checks));
        });
  }

  private record Wide(List<Check> allowed, Answer refusal) {}

  /** Each check for all namespaces ({@code namespace: ""}), in order. */
  private CompletableFuture<Wide> clusterWide(List<Check> checks, BearerToken token, int index,
      List<Check> allowed, AtomicInteger reviews) {
    if (index == checks.size()) {
      return CompletableFuture.completedFuture(new Wide(allowed, null));
    }
    Check check = checks.get(index);
    reviews.incrementAndGet();
    return authorization.authorizeSelf(attributes("", check), token).thenCompose(result -> {
      if (result.decision() == null) {
        return CompletableFuture.completedFuture(new Wide(List.of(),
            Answer.refused(result.httpStatus(), result.message())));
      }
      if (result.decision().allowed()) {
        allowed.add(check);
      }
      return clusterWide(checks, token, index + 1, allowed, reviews);
    });
  }

  private CompletableFuture<Listed> perNamespace(List<String> candidates, List<Check> checks,
      List<Check> wideAllowed, BearerToken token, BooleanSupplier gone, AtomicInteger reviews) {
    Boolean[] visible = new Boolean[candidates.size()];
    CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
    for (int start = 0; start < candidates.size(); start += WINDOW) {
      int from = start;
      int to = Math.min(start + WINDOW, candidates.size());
      chain = chain.thenComposeAsync(ignored -> {
        if (gone.getAsBoolean()) {
          throw new CancellationException("the client went away");
        }
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        for (int i = from; i < to; i++) {
          int at = i;
          pending.add(visible(candidates.get(i), checks, wideAllowed, token, reviews)
              .thenAccept(answer -> visible[at] = answer.orElse(null)));
        }
        return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new));
      }, pool);
    }
    return chain.thenApply(ignored -> {
      List<String> workspaces = new ArrayList<>();
      int undecided = 0;
      for (int i = 0; i < visible.length; i++) {
        if (visible[i] == null) {
          undecided++;
        } else if (visible[i]) {
          workspaces.add(candidates.get(i));
        }
      }
      return new Listed(workspaces, undecided);
    });
  }

  /**
   * Whether one namespace is listed: empty when it could not be decided (budget spent, or a
   * check failed closed and none allowed).
   */
  private CompletableFuture<Optional<Boolean>> visible(String namespace, List<Check> checks,
      List<Check> wideAllowed, BearerToken token, AtomicInteger reviews) {
    AuthorizationPolicy policy = settings.get();
    NamespaceFacts known = facts.get();
    NamespaceFacts labels = known == null ? PolicyOverlay.NO_NAMESPACES : known;
    for (Check check : wideAllowed) {
      // Allowed everywhere by RBAC; platform policy may still switch it off here.
      if (PolicyOverlay.decide(attributes(namespace, check), policy, labels).isEmpty()) {
        return CompletableFuture.completedFuture(Optional.of(true));
      }
    }
    return anyOf(namespace, checks, token, reviews, 0, false);
  }

  private CompletableFuture<Optional<Boolean>> anyOf(String namespace, List<Check> checks,
      BearerToken token, AtomicInteger reviews, int index, boolean failed) {
    if (index == checks.size()) {
      return CompletableFuture.completedFuture(failed ? Optional.empty() : Optional.of(false));
    }
    if (reviews.incrementAndGet() > MAX_REVIEWS) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return authorization.authorizeSelf(attributes(namespace, checks.get(index)), token)
        .thenCompose(result -> {
          AccessDecision decision = result.decision();
          if (decision != null && decision.allowed()) {
            return CompletableFuture.completedFuture(Optional.of(true));
          }
          boolean error = decision == null || decision.evaluationError() != null;
          return anyOf(namespace, checks, token, reviews, index + 1, failed || error);
        });
  }

  private static Answer answer(Listed listed, int candidates, List<Check> checks) {
    String reason = listed.workspaces().size() + " of " + candidates + " namespaces list: one"
        + " of " + checks + " is allowed there";
    if (listed.undecided() > 0) {
      reason += "; " + listed.undecided() + " could not be decided (at most " + MAX_REVIEWS
          + " reviews per question, or the authority did not answer) and are left out";
    }
    return new Answer(200, null, new Answer.Verdict(true, null, reason, false, List.of()),
        listed);
  }

  private static ResourceAttributes attributes(String namespace, Check check) {
    return new ResourceAttributes(namespace, check.verb(), AuthorizationPolicy.MLFLOW_GROUP, "",
        check.resource(), check.subresource(), "");
  }
}
