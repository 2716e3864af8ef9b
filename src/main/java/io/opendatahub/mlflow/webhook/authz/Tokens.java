package io.opendatahub.mlflow.webhook.authz;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Bearer tokens are secrets: the service keys caches by their hash and never keeps them (no map
 * from token to hash either: it would hold every recent token in the heap, and a caller sending
 * many tokens would only churn it).
 */
public final class Tokens {

  /**
   * One digest per thread instead of a provider look-up per request. {@code digest()} resets it
   * and the JDK's reset zeroes its buffer and state, so no token's bytes stay behind in it.
   */
  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  });

  private Tokens() {}

  public static String sha256(String token) {
    return HexFormat.of().formatHex(SHA256.get().digest(token.getBytes(StandardCharsets.UTF_8)));
  }
}
