package io.opendatahub.mlflow.webhook.authz;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import io.opendatahub.mlflow.webhook.policy.AuthorizationPolicy;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Who a bearer token belongs to, as the authority says (the API server's TokenReview, or the
 * local authority's token file), remembered for the
 * policy's {@code tokenTtl}: that bound is how long a revoked token keeps working. Apart from the
 * decisions because it is about the caller, not the question, and because it decides which
 * fair-sharing caller a TokenReview counts against.
 */
final class TokenIdentities {

  /**
   * The fair-sharing caller of every TokenReview of a token the API server has not confirmed
   * before: each random token would otherwise be a caller of its own, and a flood of them would
   * take every upstream slot by sheer number.
   */
  static final String UNCONFIRMED_TOKENS = "tokens-not-yet-confirmed";
  private static final int MAX_IDENTITIES = 10_000;
  /** How long a confirmed token counts as a caller of its own (an OAuth token's lifetime). */
  private static final Duration CONFIRMED_TOKEN_MEMORY = Duration.ofHours(24);

  /**
   * A TokenReview's outcome: who the token belongs to (empty: nobody), or why the API server
   * could not say. Failures expire at once, as failed decisions do.
   */
  private record TokenReviewed(Optional<Identity> identity, Throwable failure) {}

  private final AccessReviewer reviewer;
  private final UpstreamCalls upstream;
  private final AsyncCache<String, TokenReviewed> identities;
  /** Hashes of tokens the API server authenticated (only owners of real tokens can add any). */
  private final Cache<String, Boolean> confirmedTokens;

  TokenIdentities(AccessReviewer reviewer, UpstreamCalls upstream,
      Supplier<AuthorizationPolicy> settings, Ticker ticker) {
    this.reviewer = reviewer;
    this.upstream = upstream;
    this.identities = Caffeine.newBuilder()
        .maximumSize(MAX_IDENTITIES)
        .expireAfter(Expiry.<String, TokenReviewed>creating((key, reviewed) ->
            reviewed.failure() != null ? Duration.ZERO : settings.get().cache().tokenTtl()))
        .ticker(ticker)
        .executor(CacheMaintenance.ON_CALLING_THREAD)
        .buildAsync();
    this.confirmedTokens = Caffeine.newBuilder()
        .maximumSize(MAX_IDENTITIES)
        .expireAfterWrite(CONFIRMED_TOKEN_MEMORY)
        .ticker(ticker)
        .executor(CacheMaintenance.ON_CALLING_THREAD)
        .build();
  }

  /** The token's owner; empty when the API server knows no such token, failed if it can't say. */
  CompletableFuture<Optional<Identity>> of(BearerToken bearerToken) {
    String hash = bearerToken.sha256();
    // A failed load would be logged by the cache with its stack trace: failures are values.
    return identities.get(hash, (ignored, executor) ->
            upstream.call(AccessReviewer.Question.TOKEN_REVIEW, reviewer, caller(hash),
                () -> reviewer.authenticate(bearerToken.secret()))
                .handle((identity, failure) -> {
                  if (identity != null && identity.isPresent()) {
                    confirmedTokens.put(hash, Boolean.TRUE);
                  }
                  return new TokenReviewed(identity, failure);
                }))
        .thenCompose(reviewed -> reviewed.failure() == null
            ? CompletableFuture.completedFuture(reviewed.identity())
            : CompletableFuture.failedFuture(reviewed.failure()));
  }

  /**
   * The token's owner (empty: nobody) as a TokenReview answered it within tokenTtl; null when
   * there is no such answer yet (never asked, expired, still being asked, or failed), and {@link
   * #of} must be asked. Lets a cached identity be used without a chain of futures.
   */
  Optional<Identity> cached(BearerToken bearerToken) {
    CompletableFuture<TokenReviewed> reviewed = identities.getIfPresent(bearerToken.sha256());
    if (reviewed == null || !reviewed.isDone() || reviewed.isCompletedExceptionally()) {
      return null;
    }
    TokenReviewed answer = reviewed.join();
    return answer.failure() == null ? answer.identity() : null;
  }

  /**
   * Whom a TokenReview of the token is counted against: asked only when one is made, so a cached
   * identity costs no look-up of it. Tokens never confirmed share one caller: random tokens
   * cannot crowd out the rechecks of real ones (each a caller of its own), and their excess
   * fails closed at once.
   */
  private String caller(String hash) {
    return confirmedTokens.getIfPresent(hash) != null ? "token:" + hash : UNCONFIRMED_TOKENS;
  }
}
