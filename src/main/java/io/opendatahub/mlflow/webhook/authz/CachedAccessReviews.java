package io.opendatahub.mlflow.webhook.authz;

import com.github.benmanes.caffeine.cache.AsyncCache;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import tools.jackson.core.io.JsonStringEncoder;

/**
 * The RBAC step of a decision, once the caller is authenticated and policy had no say: the
 * cached decision while there is one, else one access review by the authority, shared by
 * concurrent identical misses. A failure is a fail-closed decision, never cached.
 */
final class CachedAccessReviews {

  /** Keys longer than this are not cached, so callers cannot fill memory with huge names. */
  private static final int MAX_CACHED_KEY_CHARS = 2048;

  private final AsyncCache<DecisionKey, AccessDecision> decisions;
  private final AccessReviewer reviewer;
  private final UpstreamCalls upstream;
  private final FailClosed failClosed;
  private final Logger log;

  /** {@code log} is the service's, so operators find the decisions under its name. */
  CachedAccessReviews(AsyncCache<DecisionKey, AccessDecision> decisions, AccessReviewer reviewer,
      UpstreamCalls upstream, FailClosed failClosed, Logger log) {
    this.decisions = decisions;
    this.reviewer = reviewer;
    this.upstream = upstream;
    this.failClosed = failClosed;
    this.log = log;
  }

  /**
   * May {@code subject} do what {@code attributes} describe? {@code caller} is whom the upstream
   * call is counted against (the token, or the named subject), hashed, and keys the cache.
   */
  CompletableFuture<AuthorizeResult> answer(String caller, Identity subject,
      ResourceAttributes attributes) {
    DecisionKey key = new DecisionKey(caller, attributes);
    CompletableFuture<AccessDecision> cached = decisions.getIfPresent(key);
    if (cached != null && cached.isDone() && !cached.isCompletedExceptionally()) {
      // The usual hit: answered without a chain of futures.
      return CompletableFuture.completedFuture(
          AuthorizeResult.decided(cached.join().from(AccessDecision.Source.CACHE)));
    }
    if (cached != null) {
      return cached.thenApply(decision -> AuthorizeResult.decided(
          decision.from(AccessDecision.Source.CACHE)))
          .exceptionally(failClosed::answer);
    }
    return decide(key, subject, attributes, caller).thenApply(AuthorizeResult::decided);
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
          if (decision != null && log.isDebugEnabled()) {
            // Names come from the caller (SubjectAccessReview) or the API server: quoted, one line.
            log.debug("kubernetes: {} for user {} groups {}: {}{}", quoted(attributes.describe()),
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
}
