package io.opendatahub.mlflow.webhook.authz;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Ticker;
import io.opendatahub.mlflow.webhook.admission.NamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.AuthorizationPolicy;
import io.opendatahub.mlflow.webhook.policy.Policy;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.io.JsonStringEncoder;

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
 * FailClosed}) and how the cache is bounded ({@link DecisionCache}) live beside it.
 */
public final class AuthorizationService {

  private static final Logger LOG = LoggerFactory.getLogger(AuthorizationService.class);

  static final String STANDALONE = "no authorization authority is configured: the service runs"
      + " without a cluster and answers only from platform policy";
  /** Keys longer than this are not cached, so callers cannot fill memory with huge names. */
  private static final int MAX_CACHED_KEY_CHARS = 2048;

  /** Hears of every call to the API server, for metrics. */
  public interface Listener {
    /** One TokenReview or SubjectAccessReview, retries included: its time and outcome. */
    void upstream(String call, long nanos, String outcome);

    Listener NONE = (call, nanos, outcome) -> { };
  }

  private final Supplier<Policy> policies;
  private final NamespaceFacts namespaces;
  private final AccessReviewer reviewer;
  private final UpstreamCalls upstream;
  private final FailClosed failClosed;
  private final AsyncCache<DecisionKey, AccessDecision> decisions;
  private final TokenIdentities tokens;

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
    this.upstream = new UpstreamCalls(this::settings, listener, ticker::read);
    this.failClosed = new FailClosed(LOG, ticker::read);
    this.decisions = DecisionCache.build(this::settings, ticker);
    this.tokens = new TokenIdentities(reviewer, upstream, this::settings, ticker);
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
   * Whether the token's owner is known: empty when they are, else the 401. Without an authority
   * nobody can be authenticated, so only a token's presence is required there; the
   * service then allows nothing (see {@link #authorizeSelf}).
   */
  public CompletableFuture<Optional<AuthorizeResult>> authenticate(BearerToken bearerToken) {
    if (bearerToken.missing()) {
      return done(Optional.of(missingToken()));
    }
    if (reviewer == null) {
      return done(Optional.empty());
    }
    return tokens.of(bearerToken).thenApply(identity -> identity.isPresent()
        ? Optional.<AuthorizeResult>empty() : Optional.of(invalidToken()))
        .exceptionally(failure -> Optional.of(failClosed.answer(failure)));
  }

  /** What the token's owner may do: the question of a SelfSubjectAccessReview. */
  public CompletableFuture<AuthorizeResult> authorizeSelf(ResourceAttributes attributes,
      BearerToken bearerToken) {
    if (bearerToken.missing()) {
      return done(missingToken());
    }
    if (reviewer == null) {
      return done(AuthorizeResult.decided(PolicyOverlay.decide(attributes, settings(), namespaces)
          .orElse(AccessDecision.failClosed(STANDALONE))));
    }
    String caller = "token:" + bearerToken.sha256();
    // The identity first, every time: it is cached for tokenTtl, so a revoked token is refused
    // within tokenTtl even where a decision about it is still cached.
    return tokens.of(bearerToken).thenCompose(identity -> {
      if (identity.isEmpty()) {
        return done(invalidToken());
      }
      Optional<AccessDecision> overlay = PolicyOverlay.decide(attributes, settings(), namespaces);
      if (overlay.isPresent()) {
        return done(AuthorizeResult.decided(overlay.get()));
      }
      DecisionKey key = new DecisionKey(caller, attributes);
      CompletableFuture<AccessDecision> cached = decisions.getIfPresent(key);
      if (cached != null) {
        return fromCache(cached);
      }
      return decide(key, identity.get(), attributes, caller).thenApply(AuthorizeResult::decided);
    }).exceptionally(failClosed::answer);
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
    return tokens.of(bearerToken).thenCompose(caller -> {
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
      DecisionKey key = new DecisionKey(subject, review.attributes());
      CompletableFuture<AccessDecision> cached = decisions.getIfPresent(key);
      if (cached != null) {
        return fromCache(cached);
      }
      return decide(key, review.bodySubject(), review.attributes(), subject)
          .thenApply(AuthorizeResult::decided);
    }).exceptionally(failClosed::answer);
  }

  private CompletableFuture<AuthorizeResult> fromCache(CompletableFuture<AccessDecision> cached) {
    return cached.thenApply(decision -> AuthorizeResult.decided(
        decision.from(AccessDecision.Source.CACHE)))
        .exceptionally(failClosed::answer);
  }

  private CompletableFuture<AccessDecision> decide(DecisionKey key, Identity subject,
      ResourceAttributes attributes, String caller) {
    if (key.length() > MAX_CACHED_KEY_CHARS) {
      return review(subject, attributes, caller).exceptionally(failClosed::decision);
    }
    // A load that failed would be logged by the cache with its stack trace, once per question
    // of a flood: failures become fail-closed decisions instead.
    return decisions.get(key, (ignored, executor) -> review(subject, attributes, caller)
        .exceptionally(failClosed::decision));
  }

  private CompletableFuture<AccessDecision> review(Identity subject, ResourceAttributes attributes,
      String caller) {
    return upstream.call(AccessReviewer.Question.SUBJECT_ACCESS_REVIEW, reviewer, caller,
            () -> reviewer.review(subject, attributes))
        .whenComplete((decision, failure) -> {
          if (decision != null && LOG.isDebugEnabled()) {
            // Names come from the caller (SubjectAccessReview) or the API server: quoted, one line.
            LOG.debug("kubernetes: {} for user {} groups {}: {}{}", quoted(attributes.describe()),
                quoted(subject.username()), quoted(String.join(",", subject.groups())),
                decision.label(), decision.reason() == null ? ""
                    : " (" + quoted(decision.reason()) + ")");
          }
        });
  }

  /** A value as a JSON string: quotes around it, line breaks and control characters escaped. */
  private static String quoted(String value) {
    return '"' + new String(JsonStringEncoder.getInstance().quoteAsCharArray(value)) + '"';
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
