package io.opendatahub.mlflow.webhook.authz;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import io.opendatahub.mlflow.webhook.authz.AccessReviewer;
import io.opendatahub.mlflow.webhook.authz.AuthorityUnavailableException;
import io.opendatahub.mlflow.webhook.policy.AuthorizationPolicy;
import io.opendatahub.mlflow.webhook.policy.Policy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.io.JsonStringEncoder;

/**
 * Answers access reviews for the MLflow tracking server: platform policy first, then Kubernetes
 * RBAC through the API server, from a cache whenever possible.
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
 */
public final class AuthorizationService {

  private static final Logger LOG = LoggerFactory.getLogger(AuthorizationService.class);

  static final String STANDALONE = "no authorization authority is configured: the service runs"
      + " without a cluster and answers only from platform policy";
  private static final Duration RETRY_BACKOFF = Duration.ofMillis(50);
  /** Keys longer than this are not cached, so callers cannot fill memory with huge names. */
  private static final int MAX_CACHED_KEY_CHARS = 2048;
  private static final int MAX_IDENTITIES = 10_000;
  /**
   * The fair-sharing caller of every TokenReview of a token the API server has not confirmed
   * before: each random token would otherwise be a caller of its own, and a flood of them would
   * take every upstream slot by sheer number.
   */
  static final String UNCONFIRMED_TOKENS = "tokens-not-yet-confirmed";
  /** How long a confirmed token counts as a caller of its own (an OAuth token's lifetime). */
  private static final Duration CONFIRMED_TOKEN_MEMORY = Duration.ofHours(24);
  /** Calls to the API server at once: the threads of the Kubernetes reviewer's pool. */
  static final int MAX_UPSTREAM_RUNNING = 8;
  /** Half of them for one caller, so another caller's call starts without waiting. */
  static final int MAX_UPSTREAM_RUNNING_PER_CALLER = 4;
  /** A caller's calls running or waiting; beyond it its questions fail closed at once. */
  static final int MAX_UPSTREAM_PER_CALLER = 64;
  /** Failing closed is logged at most once per interval, with a count of the rest. */
  private static final Duration FAILURE_LOG_INTERVAL = Duration.ofSeconds(10);
  /** Weight unit of the decision cache: 1 KiB of estimated heap. */
  static final int WEIGHT_UNIT_BYTES = 1024;

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
  private final Ticker ticker;
  private final FairUpstream fair;
  private final ThrottledWarning failures;
  private final AsyncCache<DecisionKey, AccessDecision> decisions;
  private final AsyncCache<String, TokenReviewed> identities;
  /** Hashes of tokens the API server authenticated (only owners of real tokens can add any). */
  private final Cache<String, Boolean> confirmedTokens;

  /**
   * A TokenReview's outcome: who the token belongs to (empty: nobody), or why the API server
   * could not say. Failures expire at once, as failed decisions do.
   */
  private record TokenReviewed(Optional<Identity> identity, Throwable failure) {}

  /**
   * @param reviewer the cluster, or null when running standalone
   */
  public AuthorizationService(Supplier<Policy> policies, AccessReviewer reviewer,
      Observer observer) {
    this(policies, reviewer, observer, Ticker.systemTicker());
  }

  /** With the clock that expires cache entries and deadlines, so tests can move it. */
  AuthorizationService(Supplier<Policy> policies, AccessReviewer reviewer, Observer observer,
      Ticker ticker) {
    this.policies = policies;
    this.reviewer = reviewer;
    this.observer = observer;
    this.ticker = ticker;
    this.fair = new FairUpstream(MAX_UPSTREAM_RUNNING, MAX_UPSTREAM_RUNNING_PER_CALLER,
        MAX_UPSTREAM_PER_CALLER, ticker::read);
    this.failures = new ThrottledWarning(LOG, FAILURE_LOG_INTERVAL.toNanos(), ticker::read);
    this.decisions = Caffeine.newBuilder()
        .maximumWeight(settings().cache().maxEntries())
        .weigher(AuthorizationService::weight)
        // Failures are answers (fail closed) that expire at once: shared by the identical misses
        // that waited for them, never served afterwards.
        .expireAfter(Expiry.<DecisionKey, AccessDecision>creating((key, decision) ->
            decision.evaluationError() != null ? Duration.ZERO
                : decision.allowed() ? settings().cache().allowedTtl()
                : settings().cache().deniedTtl()))
        .ticker(ticker)
        .recordStats()
        .buildAsync();
    this.identities = Caffeine.newBuilder()
        .maximumSize(MAX_IDENTITIES)
        .expireAfter(Expiry.<String, TokenReviewed>creating((key, reviewed) ->
            reviewed.failure() != null ? Duration.ZERO : settings().cache().tokenTtl()))
        .ticker(ticker)
        .buildAsync();
    this.confirmedTokens = Caffeine.newBuilder()
        .maximumSize(MAX_IDENTITIES)
        .expireAfterWrite(CONFIRMED_TOKEN_MEMORY)
        .ticker(ticker)
        .build();
  }

  public AsyncCache<?, ?> decisionCache() {
    return decisions;
  }

  /**
   * An entry's weight: its estimated heap bytes (strings, the key and decision records, the
   * cache's node) in KiB, rounded up. Questions are bounded at the edge (names within 253
   * characters), so no entry weighs more than a few units.
   */
  static int weight(DecisionKey key, AccessDecision decision) {
    ResourceAttributes a = key.attributes();
    long bytes = 256 + text(key.subject()) + text(a.namespace()) + text(a.verb())
        + text(a.group()) + text(a.version()) + text(a.resource()) + text(a.subresource())
        + text(a.name()) + text(decision.reason()) + text(decision.evaluationError());
    return (int) Math.max(1, (bytes + WEIGHT_UNIT_BYTES - 1) / WEIGHT_UNIT_BYTES);
  }

  /**
   * A string's heap: object and array headers, then a byte a character, or two when a character
   * is beyond Latin-1 (compact strings).
   */
  private static long text(String value) {
    if (value == null) {
      return 0;
    }
    boolean latin1 = value.chars().allMatch(c -> c < 0x100);
    return 40 + (latin1 ? 1L : 2L) * value.length();
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
   * Whether the token's owner is known: empty when they are, else the 401. Standalone (no
   * authority) nobody can be authenticated, so only a token's presence is required there; the
   * service then allows nothing (see {@link #authorizeSelf}).
   */
  public CompletableFuture<Optional<AuthorizeResult>> authenticate(BearerToken bearerToken) {
    if (bearerToken.missing()) {
      return done(Optional.of(missingToken()));
    }
    if (reviewer == null) {
      return done(Optional.empty());
    }
    return identity(bearerToken).thenApply(identity -> identity.isPresent()
        ? Optional.<AuthorizeResult>empty() : Optional.of(invalidToken()))
        .exceptionally(failure -> Optional.of(failClosed(failure)));
  }

  /** What the token's owner may do: the question of a SelfSubjectAccessReview. */
  public CompletableFuture<AuthorizeResult> authorizeSelf(ResourceAttributes attributes,
      BearerToken bearerToken) {
    if (bearerToken.missing()) {
      return done(missingToken());
    }
    if (reviewer == null) {
      return done(AuthorizeResult.decided(PolicyOverlay.decide(attributes, settings())
          .orElse(AccessDecision.failClosed(STANDALONE))));
    }
    String caller = "token:" + bearerToken.sha256();
    // The identity first, every time: it is cached for tokenTtl, so a revoked token is refused
    // within tokenTtl even where a decision about it is still cached.
    return identity(bearerToken).thenCompose(identity -> {
      if (identity.isEmpty()) {
        return done(invalidToken());
      }
      Optional<AccessDecision> overlay = PolicyOverlay.decide(attributes, settings());
      if (overlay.isPresent()) {
        return done(AuthorizeResult.decided(overlay.get()));
      }
      DecisionKey key = new DecisionKey(caller, attributes);
      CompletableFuture<AccessDecision> cached = decisions.getIfPresent(key);
      if (cached != null) {
        return fromCache(cached);
      }
      return decide(key, identity.get(), attributes, caller).thenApply(AuthorizeResult::decided);
    }).exceptionally(this::failClosed);
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
      String subject = "user:" + subjectHash(review.bodySubject());
      DecisionKey key = new DecisionKey(subject, review.attributes());
      CompletableFuture<AccessDecision> cached = decisions.getIfPresent(key);
      if (cached != null) {
        return fromCache(cached);
      }
      return decide(key, review.bodySubject(), review.attributes(), subject)
          .thenApply(AuthorizeResult::decided);
    }).exceptionally(this::failClosed);
  }

  private CompletableFuture<AuthorizeResult> fromCache(CompletableFuture<AccessDecision> cached) {
    return cached.thenApply(decision -> AuthorizeResult.decided(
        decision.from(AccessDecision.Source.CACHE)))
        .exceptionally(this::failClosed);
  }

  private CompletableFuture<AccessDecision> decide(DecisionKey key, Identity subject,
      ResourceAttributes attributes, String caller) {
    if (key.length() > MAX_CACHED_KEY_CHARS) {
      return review(subject, attributes, caller).exceptionally(this::failedDecision);
    }
    // A load that failed would be logged by the cache with its stack trace, once per question
    // of a flood: failures become fail-closed decisions instead.
    return decisions.get(key, (ignored, executor) -> review(subject, attributes, caller)
        .exceptionally(this::failedDecision));
  }

  private AccessDecision failedDecision(Throwable failure) {
    return failClosed(failure).decision();
  }

  private CompletableFuture<AccessDecision> review(Identity subject, ResourceAttributes attributes,
      String caller) {
    return upstream("subjectaccessreview", caller, () -> reviewer.review(subject, attributes))
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

  private CompletableFuture<Optional<Identity>> identity(BearerToken bearerToken) {
    String hash = bearerToken.sha256();
    // Tokens never confirmed share one caller: random tokens cannot crowd out the rechecks of
    // real ones (each a caller of its own), and their excess fails closed at once.
    String caller = confirmedTokens.getIfPresent(hash) != null ? "token:" + hash
        : UNCONFIRMED_TOKENS;
    // A failed load would be logged by the cache with its stack trace: failures are values.
    return identities.get(hash, (ignored, executor) ->
            upstream("tokenreview", caller, () -> reviewer.authenticate(bearerToken.secret()))
                .handle((identity, failure) -> {
                  if (identity != null && identity.isPresent()) {
                    confirmedTokens.put(hash, Boolean.TRUE);
                  }
                  return new TokenReviewed(identity, failure);
                }))
        .thenCompose(reviewed -> reviewed.failure() == null ? done(reviewed.identity())
            : CompletableFuture.failedFuture(reviewed.failure()));
  }

  /**
   * One upstream question, retried on failure, all within the policy's deadline, waiting for the
   * caller's turn (see {@link FairUpstream}); a turn that comes after the deadline is skipped.
   */
  private <T> CompletableFuture<T> upstream(String call, String caller,
      Supplier<CompletableFuture<T>> attempt) {
    AuthorizationPolicy.Upstream upstream = settings().upstream();
    long started = System.nanoTime();
    long deadline = ticker.read() + upstream.timeout().toNanos();
    CompletableFuture<T> result = attempt(() -> fair.submit(caller, deadline, attempt),
        upstream.retries())
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
      Throwable cause = unwrap(failure);
      if (cause instanceof RejectedExecutionException || cause instanceof TimeoutException) {
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

  private AuthorizeResult failClosed(Throwable failure) {
    Throwable cause = unwrap(failure);
    String error;
    if (cause instanceof TimeoutException) {
      error = "the API server did not answer in time; denied until it does";
    } else if (cause instanceof AuthorityUnavailableException) {
      error = cause.getMessage();
    } else if (cause instanceof FairUpstream.CallerBusy) {
      error = "too many access reviews in flight for this caller; denied, try again";
    } else if (cause instanceof RejectedExecutionException) {
      error = "too many access reviews in flight; denied, try again";
    } else {
      error = "the API server could not answer (" + cause.getClass().getSimpleName() + "); denied"
          + " until it can";
    }
    // Only the exception's type: messages of client errors can quote requests.
    failures.warn("access review failed closed: {}", cause.getClass().getName());
    return AuthorizeResult.decided(AccessDecision.failClosed(error));
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  /**
   * The cache identity of a named subject: every field that can change the answer, each value
   * length-prefixed, so no user, uid, group or extra value (NUL and separators included) can
   * make two subjects' texts equal.
   */
  static String subjectHash(Identity subject) {
    StringBuilder text = new StringBuilder();
    field(text, subject.username());
    field(text, subject.uid());
    List<String> groups = new ArrayList<>(subject.groups());
    groups.sort(null);
    text.append(groups.size()).append('#');
    groups.forEach(group -> field(text, group));
    text.append(subject.extra().size()).append('#');
    for (Map.Entry<String, List<String>> entry : new TreeMap<>(subject.extra()).entrySet()) {
      field(text, entry.getKey());
      List<String> values = new ArrayList<>(entry.getValue());
      values.sort(null);
      text.append(values.size()).append('#');
      values.forEach(value -> field(text, value));
    }
    return Tokens.sha256(text.toString());
  }

  private static void field(StringBuilder text, String value) {
    text.append(value.length()).append(':').append(value);
  }

  private static <T> CompletableFuture<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}
