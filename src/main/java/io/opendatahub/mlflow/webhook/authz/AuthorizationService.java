package io.opendatahub.mlflow.webhook.authz;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Ticker;
import io.opendatahub.mlflow.webhook.admission.NamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.AuthorizationPolicy;
import io.opendatahub.mlflow.webhook.policy.Policy;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers access reviews for the MLflow tracking server: platform policy first, then Kubernetes
 * RBAC from the authority ({@link AccessReviewer}: the API server, or the local authority
 * evaluating RBAC in-process), from a cache whenever possible.
 *
 * <p>The caller is authenticated first, whatever the question: a missing or unknown token gets
 * 401 before policy or cache say anything, and a cached decision is served only while the
 * token's identity was confirmed within {@code tokenTtl} (a revoked token stops working then).
 *
 * <p>Caches are keyed by a SHA-256 of the token or of the named subject, never by the token.
 * Allows and denials live for the policy's TTLs; errors are never cached and always answer
 * {@code allowed: false} with an {@code evaluationError} (fail closed). Concurrent identical
 * misses share one upstream call. A policy change empties the decision cache. The decision cache
 * is bounded by size: an entry weighs its estimated heap bytes in KiB (at least 1), and the
 * cache holds at most {@code maxEntries} KiB.
 *
 * <p>Upstream calls are shared fairly among callers (see {@link FairUpstream}): a caller is the
 * token, or for a SubjectAccessReview the named subject.
 *
 * <p>This class decides what to ask and in which order; how the API server is asked ({@link
 * UpstreamCalls}), who a token belongs to ({@link TokenIdentities}), how a failure denies ({@link
 * FailClosed}), how the cache is bounded ({@link DecisionCache}) and how an RBAC decision is
 * looked up or asked for ({@link CachedAccessReviews}) live beside it.
 */
public final class AuthorizationService {

  private static final Logger LOG = LoggerFactory.getLogger(AuthorizationService.class);

  static final String STANDALONE = "no authorization authority is configured: the service runs"
      + " without a cluster and answers only from platform policy";

  /** Hears of every call to the API server, for metrics. */
  public interface Listener {
    /** One TokenReview or SubjectAccessReview, retries included: its time and outcome. */
    void upstream(String call, long nanos, String outcome);

    Listener NONE = (call, nanos, outcome) -> { };
  }

  private final Supplier<Policy> policies;
  private final NamespaceFacts namespaces;
  private final AccessReviewer reviewer;
  private final FailClosed failClosed;
  private final AsyncCache<DecisionKey, AccessDecision> decisions;
  private final TokenIdentities tokens;
  private final CachedAccessReviews rbac;

  /**
   * @param reviewer the authority, or null when there is none (no cluster and no
   *     {@code spec.authorization.local}): then only platform policy answers
   */
  public AuthorizationService(Supplier<Policy> policies, AccessReviewer reviewer,
      Listener listener) {
    this(policies, PolicyOverlay.NO_NAMESPACES, reviewer, listener);
  }

  /**
   * @param namespaces labels for the policy's namespace-scoped switches ({@code
   *     disabled[].except}); without them those features stay off everywhere
   */
  public AuthorizationService(Supplier<Policy> policies, NamespaceFacts namespaces,
      AccessReviewer reviewer, Listener listener) {
    this(policies, namespaces, reviewer, listener, Ticker.systemTicker());
  }

  /** With the clock that expires cache entries and deadlines, so tests can move it. */
  AuthorizationService(Supplier<Policy> policies, AccessReviewer reviewer, Listener listener,
      Ticker ticker) {
    this(policies, PolicyOverlay.NO_NAMESPACES, reviewer, listener, ticker);
  }

  private AuthorizationService(Supplier<Policy> policies, NamespaceFacts namespaces,
      AccessReviewer reviewer, Listener listener, Ticker ticker) {
    this.policies = policies;
    this.namespaces = namespaces;
    this.reviewer = reviewer;
    UpstreamCalls upstream = new UpstreamCalls(this::settings, listener, ticker::read);
    this.failClosed = new FailClosed(LOG, ticker::read);
    this.decisions = DecisionCache.build(this::settings, ticker);
    this.tokens = new TokenIdentities(reviewer, upstream, this::settings, ticker);
    this.rbac = new CachedAccessReviews(decisions, reviewer, upstream, failClosed, LOG);
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

  /**
   * Whether the token's owner is known: the 401 when they are not, else who they are. Without an
   * authority nobody can be authenticated, so only a token's presence is required there; the
   * service then allows nothing (see {@link #authorizeSelf}).
   */
  CompletableFuture<Authentication> authenticate(BearerToken bearerToken) {
    if (bearerToken.missing()) {
      return done(Authentication.refused(missingToken()));
    }
    if (reviewer == null) {
      return done(Authentication.of(bearerToken, null));
    }
    return withIdentity(bearerToken, identity -> done(identity.isPresent()
        ? Authentication.of(bearerToken, identity.get())
        : Authentication.refused(invalidToken())),
        failure -> Authentication.refused(failClosed.answer(failure)));
  }

  /** What the token's owner may do: the question of a SelfSubjectAccessReview. */
  public CompletableFuture<AuthorizeResult> authorizeSelf(ResourceAttributes attributes,
      BearerToken bearerToken) {
    if (bearerToken.missing()) {
      return done(missingToken());
    }
    if (reviewer == null) {
      return done(standalone(attributes));
    }
    // The identity first, every time: it is cached for tokenTtl, so a revoked token is refused
    // within tokenTtl even where a decision about it is still cached.
    return withIdentity(bearerToken, identity -> identity.isEmpty() ? done(invalidToken())
        : decideSelf(attributes, bearerToken, identity.get()), failClosed::answer);
  }

  /**
   * {@link #authorizeSelf(ResourceAttributes, BearerToken)} for a caller {@link #authenticate}
   * has confirmed for the question being answered: the identity is not looked up again for each
   * of its checks, as a SelfSubjectAccessReview's identity is not looked up again while its
   * access review is under way.
   */
  CompletableFuture<AuthorizeResult> authorizeSelf(ResourceAttributes attributes,
      Authentication caller) {
    if (caller.refused()) {
      throw new IllegalArgumentException("a refused caller has no checks to ask");
    }
    if (reviewer == null) {
      return done(standalone(attributes));
    }
    return guarded(known -> decideSelf(attributes, known.token(), known.identity()), caller,
        failClosed::answer);
  }

  /** Policy first, then RBAC (cached), for a caller whose identity is confirmed. */
  private CompletableFuture<AuthorizeResult> decideSelf(ResourceAttributes attributes,
      BearerToken bearerToken, Identity identity) {
    Optional<AccessDecision> overlay = PolicyOverlay.decide(attributes, settings(), namespaces);
    if (overlay.isPresent()) {
      return done(AuthorizeResult.decided(overlay.get()));
    }
    return rbac.answer("token:" + bearerToken.sha256(), identity, attributes);
  }

  /** Without an authority only platform policy answers; what it does not allow is denied. */
  private AuthorizeResult standalone(ResourceAttributes attributes) {
    return AuthorizeResult.decided(PolicyOverlay.decide(attributes, settings(), namespaces)
        .orElse(AccessDecision.failClosed(STANDALONE)));
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
    return withIdentity(bearerToken, caller -> {
      if (caller.isEmpty()) {
        return done(invalidToken());
      }
      if (!settings.trustedCallers().trusts(caller.get().username(), caller.get().groups())) {
        return done(AuthorizeResult.refused(403, "user '" + caller.get().username()
            + "' may not ask about other users: SubjectAccessReview is for the trusted callers"
            + " listed in spec.authorization.trustedCallers; ask about yourself with a"
            + " SelfSubjectAccessReview"));
      }
      Optional<AccessDecision> overlay =
          PolicyOverlay.decide(review.attributes(), settings, namespaces);
      if (overlay.isPresent()) {
        return done(AuthorizeResult.decided(overlay.get()));
      }
      String subject = "user:" + DecisionKey.subjectHash(review.bodySubject());
      return rbac.answer(subject, review.bodySubject(), review.attributes());
    }, failClosed::answer);
  }

  /**
   * {@code then} applied to the token's owner (empty: nobody), a failure answered by {@code
   * failed}. A cached identity is used at once on this thread, so a cached answer builds no
   * chain of futures; it is what {@code thenCompose} on the completed identity did, minus the
   * futures. Otherwise after the TokenReview.
   */
  private <T> CompletableFuture<T> withIdentity(BearerToken bearerToken,
      Function<Optional<Identity>, CompletableFuture<T>> then, Function<Throwable, T> failed) {
    Optional<Identity> cached = tokens.cached(bearerToken);
    if (cached == null) {
      return tokens.of(bearerToken).thenCompose(then).exceptionally(failed);
    }
    return guarded(then, cached, failed);
  }

  /**
   * {@code then}'s future for {@code input}, a failure (thrown, or completing the future)
   * answered by {@code failed}.
   */
  private static <I, T> CompletableFuture<T> guarded(Function<I, CompletableFuture<T>> then,
      I input, Function<Throwable, T> failed) {
    CompletableFuture<T> result;
    try {
      result = then.apply(input);
    } catch (RuntimeException e) {
      return done(failed.apply(e));
    }
    return result.isDone() && !result.isCompletedExceptionally() ? result
        : result.exceptionally(failed);
  }

  private static AuthorizeResult missingToken() {
    return AuthorizeResult.refused(401, "missing Authorization header or"
        + " X-Forwarded-Access-Token header: send the caller's bearer token");
  }

  /** The 401 for an unknown token, naming who did not know it. */
  private AuthorizeResult invalidToken() {
    return AuthorizeResult.refused(401, reviewer.asksApiServer(AccessReviewer.Question.TOKEN_REVIEW)
        ? "the bearer token is not valid: the API server did not authenticate it (it may be"
            + " expired)"
        : "the bearer token is not valid: it is not in the token file that"
            + " spec.authorization.local.tokens names");
  }

  private static <T> CompletableFuture<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}
