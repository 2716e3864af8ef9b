package io.opendatahub.mlflow.webhook.authz;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import io.opendatahub.mlflow.webhook.policy.AuthorizationPolicy;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Builds the decision cache: bounded by estimated heap rather than entry count (an entry weighs
 * its bytes in KiB, at least 1, and {@code maxEntries} is the KiB it may hold), since callers
 * choose the names in a question. The service reads and writes the cache directly, so a cache
 * hit costs no more than Caffeine's lookup.
 */
final class DecisionCache {

  /** Weight unit of the decision cache: 1 KiB of estimated heap. */
  static final int WEIGHT_UNIT_BYTES = 1024;

  private DecisionCache() {}

  /** {@code settings} is read per entry: a policy reload changes the TTLs of entries to come. */
  static AsyncCache<DecisionKey, AccessDecision> build(Supplier<AuthorizationPolicy> settings,
      Ticker ticker) {
    return Caffeine.newBuilder()
        .maximumWeight(settings.get().cache().maxEntries())
        .weigher(DecisionCache::weight)
        // Failures are answers (fail closed) that expire at once: shared by the identical misses
        // that waited for them, never served afterwards.
        .expireAfter(Expiry.<DecisionKey, AccessDecision>creating((key, decision) ->
            decision.evaluationError() != null ? Duration.ZERO
                : decision.allowed() ? settings.get().cache().allowedTtl()
                : settings.get().cache().deniedTtl()))
        .ticker(ticker)
        .executor(CacheMaintenance.ON_CALLING_THREAD)
        .recordStats()
        .buildAsync();
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
}
