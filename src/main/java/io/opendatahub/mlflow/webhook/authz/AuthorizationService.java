package io.opendatahub.mlflow.webhook.authz;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.opendatahub.mlflow.webhook.cluster.AccessReviewer;
import io.opendatahub.mlflow.webhook.cluster.AuthorityUnavailableException;
import io.opendatahub.mlflow.webhook.policy.AuthorizationPolicy;
import io.opendatahub.mlflow.webhook.policy.Policy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers access reviews for the MLflow tracking server: platform policy first, then Kubernetes
 * RBAC through the API server, from a cache whenever possible.
 *
 * <p>Caches are keyed by a SHA-256 of the token or of the named subject, never by the token.
 * Allows and denials live for the policy's TTLs; errors are never cached and always answer
 * {@code allowed: false} with an {@code evaluationError} (fail closed). Concurrent identical
 * misses share one upstream call. A policy change empties the decision cache.
 */
public final class AuthorizationService {

  private static final Logger LOG = LoggerFactory.getLogger(AuthorizationService.class);

  static final String STANDALONE = "no authorization authority is configured: the service runs"
      + " without a cluster and answers only from platform policy";
  private static final Duration RETRY_BACKOFF = Duration.ofMillis(50);
  /** Keys longer than this are not cached, so callers cannot fill memory with huge names. */
  private static final int MAX_CACHED_KEY_CHARS = 2048;
  private static final int MAX_IDENTITIES = 10_000;

  /** Reports upstream calls, for metrics. */
  public interface Observer {
    void upstream(String call, long nanos, String outcome);

    Observer NONE = (call, nanos, outcome) -> { };
  }

  record DecisionKey(String subject, ResourceAttributes attributes) {
    int length() {
      ResourceAttributes a = attributes;
      return subject.length() + a.namespace().length() + a.verb().length() + a.group().length()
          + a.version().length() + a.resource().length() + a.subresource().length()
          + a.name().length();
    }
  }

  private final Supplier<Policy> policies;
  private final AccessReviewer reviewer;
  private final Observer observer;
  private final AsyncCache<DecisionKey, AccessDecision> decisions;
  private final AsyncCache<String, Optional<Identity>> identities;

  /**
   * @param reviewer the cluster, or null when running standalone
   */
  public AuthorizationService(Supplier<Policy> policies, AccessReviewer reviewer,
      Observer observer) {
    this.policies = policies;
    this.reviewer = reviewer;
    this.observer = observer;
    this.decisions = Caffeine.newBuilder()
        .maximumSize(settings().cache().maxEntries())
        .expireAfter(Expiry.<DecisionKey, AccessDecision>creating((key, decision) ->
            decision.allowed() ? settings().cache().allowedTtl() : settings().cache().deniedTtl()))
        .recordStats()
        .buildAsync();
    this.identities = Caffeine.newBuilder()
        .maximumSize(MAX_IDENTITIES)
        .expireAfter(Expiry.<String, Optional<Identity>>creating((key, identity) ->
            settings().cache().tokenTtl()))
        .buildAsync();
  }

  public AsyncCache<?, ?> decisionCache() {
    return decisions;
  }

  /** A new policy may change TTLs, disabled features or RBAC-relevant facts: start afresh. */
  public void policyChanged(Policy policy) {
    decisions.synchronous().invalidateAll();
    decisions.synchronous().policy().eviction()
        .ifPresent(eviction -> eviction.setMaximum(policy.authorization().cache().maxEntries()));
  }

  private AuthorizationPolicy settings() {
    return policies.get().authorization();
  }

  /** What the token's owner may do: the question of a SelfSubjectAccessReview. */
  public CompletableFuture<AuthorizeResult> authorizeSelf(ResourceAttributes attributes,
      BearerToken bearerToken) {
    if (bearerToken.missing()) {
      return done(missingToken());
    }
    Optional<AccessDecision> overlay = PolicyOverlay.decide(attributes, settings());
    if (overlay.isPresent()) {
      return done(AuthorizeResult.decided(overlay.get()));
    }
    if (reviewer == null) {
      return done(AuthorizeResult.decided(AccessDecision.failClosed(STANDALONE)));
    }
    DecisionKey key = new DecisionKey("token:" + bearerToken.sha256(), attributes);
    CompletableFuture<AccessDecision> cached = decisions.getIfPresent(key);
    if (cached != null) {
      return fromCache(cached);
    }
    return identity(bearerToken).thenCompose(identity -> identity.isEmpty()
        ? done(invalidToken())
        : decide(key, identity.get(), attributes).thenApply(AuthorizeResult::decided))
        .exceptionally(AuthorizationService::failClosed);
  }

  public CompletableFuture<AuthorizeResult> authorize(AccessReview review, String token) {
    BearerToken bearerToken = BearerToken.of(token);
    if (bearerToken.missing()) {
      return done(missingToken());
    }
    if (review.kind() == AccessReview.Kind.SELF_SUBJECT_ACCESS_REVIEW) {
      return authorizeSelf(review.attributes(), bearerToken);
    }
    AuthorizationPolicy settings = settings();
    if (reviewer == null) {
      return done(AuthorizeResult.refused(401, "callers of SubjectAccessReview cannot be"
          + " authenticated: the service runs without a cluster"));
    }
    return identity(bearerToken).thenCompose(caller -> {
      if (caller.isEmpty()) {
        return done(invalidToken());
      }
      if (!settings.trustedCallers().trusts(caller.get().username(), caller.get().groups())) {
        return done(AuthorizeResult.refused(403, "user '" + caller.get().username()
            + "' may not ask about other users: SubjectAccessReview is for the trusted callers"
            + " listed in spec.authorization.trustedCallers; ask about yourself with a"
            + " SelfSubjectAccessReview"));
      }
      Optional<AccessDecision> overlay = PolicyOverlay.decide(review.attributes(), settings);
      if (overlay.isPresent()) {
        return done(AuthorizeResult.decided(overlay.get()));
      }
      DecisionKey key = new DecisionKey("user:" + subjectHash(review.bodySubject()),
          review.attributes());
      CompletableFuture<AccessDecision> cached = decisions.getIfPresent(key);
      if (cached != null) {
        return fromCache(cached);
      }
      return decide(key, review.bodySubject(), review.attributes())
          .thenApply(AuthorizeResult::decided);
    }).exceptionally(AuthorizationService::failClosed);
  }

  private CompletableFuture<AuthorizeResult> fromCache(CompletableFuture<AccessDecision> cached) {
    return cached.thenApply(decision -> AuthorizeResult.decided(
        decision.from(AccessDecision.Source.CACHE)))
        .exceptionally(AuthorizationService::failClosed);
  }

  private CompletableFuture<AccessDecision> decide(DecisionKey key, Identity subject,
      ResourceAttributes attributes) {
    if (key.length() > MAX_CACHED_KEY_CHARS) {
      return review(subject, attributes);
    }
    return decisions.get(key, (ignored, executor) -> review(subject, attributes));
  }

  private CompletableFuture<AccessDecision> review(Identity subject, ResourceAttributes attributes) {
    return upstream("subjectaccessreview", () -> reviewer.review(subject, attributes))
        .whenComplete((decision, failure) -> {
          if (decision != null && LOG.isDebugEnabled()) {
            LOG.debug("kubernetes: {} for user '{}' groups {}: {}{}", attributes.describe(),
                subject.username(), subject.groups(), decision.label(),
                decision.reason() == null ? "" : " (" + decision.reason() + ")");
          }
        });
  }

  private CompletableFuture<Optional<Identity>> identity(BearerToken bearerToken) {
    return identities.get(bearerToken.sha256(), (ignored, executor) ->
        upstream("tokenreview", () -> reviewer.authenticate(bearerToken.secret())));
  }

  /** One upstream question, retried on failure, all within the policy's deadline. */
  private <T> CompletableFuture<T> upstream(String call, Supplier<CompletableFuture<T>> attempt) {
    AuthorizationPolicy.Upstream upstream = settings().upstream();
    long started = System.nanoTime();
    CompletableFuture<T> result = attempt(attempt, upstream.retries())
        .orTimeout(upstream.timeout().toMillis(), TimeUnit.MILLISECONDS);
    result.whenComplete((value, failure) -> observer.upstream(call, System.nanoTime() - started,
        failure == null ? "ok" : unwrap(failure) instanceof TimeoutException ? "timeout" : "error"));
    return result;
  }

  private static <T> CompletableFuture<T> attempt(Supplier<CompletableFuture<T>> call,
      int retriesLeft) {
    CompletableFuture<T> first;
    try {
      first = call.get();
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (retriesLeft == 0) {
      return first;
    }
    return first.handle((value, failure) -> {
      if (failure == null) {
        return CompletableFuture.completedFuture(value);
      }
      if (unwrap(failure) instanceof RejectedExecutionException) {
        return CompletableFuture.<T>failedFuture(failure);
      }
      return CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(
              RETRY_BACKOFF.toMillis(), TimeUnit.MILLISECONDS))
          .thenCompose(ignored -> attempt(call, retriesLeft - 1));
    }).thenCompose(future -> future);
  }

  private static AuthorizeResult missingToken() {
    return AuthorizeResult.refused(401, "missing Authorization header or"
        + " X-Forwarded-Access-Token header: send the caller's bearer token");
  }

  private static AuthorizeResult invalidToken() {
    return AuthorizeResult.refused(401, "the bearer token is not valid: the API server did not"
        + " authenticate it (it may be expired)");
  }

  private static AuthorizeResult failClosed(Throwable failure) {
    Throwable cause = unwrap(failure);
    String error;
    if (cause instanceof TimeoutException) {
      error = "the API server did not answer in time; denied until it does";
    } else if (cause instanceof AuthorityUnavailableException) {
      error = cause.getMessage();
    } else if (cause instanceof RejectedExecutionException) {
      error = "too many access reviews in flight; denied, try again";
    } else {
      error = "the API server could not answer (" + cause.getClass().getSimpleName() + "); denied"
          + " until it can";
    }
    // Only the exception's type: messages of client errors can quote requests.
    LOG.warn("access review failed closed: {}", cause.getClass().getName());
    return AuthorizeResult.decided(AccessDecision.failClosed(error));
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  /** The cache identity of a named subject: every field that can change the answer. */
  static String subjectHash(Identity subject) {
    List<String> groups = new ArrayList<>(subject.groups());
    groups.sort(null);
    StringBuilder text = new StringBuilder(subject.username()).append('\0').append(subject.uid());
    groups.forEach(group -> text.append('\0').append(group));
    for (Map.Entry<String, List<String>> entry : subject.extra().entrySet()) {
      text.append('\u0001').append(entry.getKey());
      entry.getValue().stream().sorted().forEach(value -> text.append('\0').append(value));
    }
    return Tokens.sha256(text.toString());
  }

  private static <T> CompletableFuture<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}
