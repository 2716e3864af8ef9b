package io.opendatahub.mlflow.webhook.mlflow;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.util.Optional;

/**
 * Kubernetes quantities in bytes, as fabric8 converts them, remembered per quantity string. The
 * conversion (parsing, then {@code BigDecimal} powers and products) was 2.5% of a denied review's
 * event-loop CPU under load (issue 19, session 10), and every review with a volume converts the
 * same few strings again: its size, the policy's minimum and maximum.
 *
 * <p>Bounded whatever a CR holds: at most {@link #MAX_ENTRIES} quantities of at most {@link
 * #MAX_CACHED_CHARS} characters are kept (a longer string is converted each time, as before), and
 * a value from so short a string is a few dozen bytes, however large its exponent ({@code
 * BigDecimal} keeps the exponent as its scale). A CR that sends many sizes only evicts; what is
 * kept is fabric8's own answer, so no quantity is judged differently for having been cached.
 */
final class QuantityBytes {

  /** The one every rule shares: a pure function's answers, so sharing leaks nothing. */
  static final QuantityBytes SHARED = new QuantityBytes();

  /** The policy's bounds and the sizes in use fit many times over. */
  static final int MAX_ENTRIES = 256;
  /** Longer than any quantity a person writes ({@code 1099511627776}, {@code 1.5Ti}). */
  static final int MAX_CACHED_CHARS = 32;

  // Upkeep on the calling thread: a miss on an event loop must not wake a pool thread (as in
  // the authorization caches, authz.CacheMaintenance).
  private final Cache<String, Optional<BigDecimal>> known = Caffeine.newBuilder()
      .maximumSize(MAX_ENTRIES)
      .executor(Runnable::run)
      .build();

  /** {@code quantity} in bytes; null when it is not a Kubernetes quantity. */
  BigDecimal bytes(String quantity) {
    if (quantity == null || quantity.length() > MAX_CACHED_CHARS) {
      return convert(quantity).orElse(null);
    }
    return known.get(quantity, QuantityBytes::convert).orElse(null);
  }

  /** How many quantities are kept, after pending evictions: for tests. */
  long size() {
    known.cleanUp();
    return known.estimatedSize();
  }

  private static Optional<BigDecimal> convert(String quantity) {
    try {
      return Optional.of(Quantity.getAmountInBytes(new Quantity(quantity)));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }
}
