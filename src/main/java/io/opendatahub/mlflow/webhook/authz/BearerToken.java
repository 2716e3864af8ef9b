package io.opendatahub.mlflow.webhook.authz;

/**
 * A caller's bearer token with its SHA-256, computed once per request: the caches are keyed by
 * the hash, and one request can ask many questions with one token (a batch of route checks, a
 * route that needs several checks).
 *
 * @param secret the token; null when the request carried none
 * @param sha256 its hash in hex; null when there is no token
 */
public record BearerToken(String secret, String sha256) {

  private static final BearerToken MISSING = new BearerToken(null, null);

  /** A missing or blank token becomes {@link #missing()}. */
  public static BearerToken of(String token) {
    return token == null || token.isBlank() ? MISSING
        : new BearerToken(token, Tokens.sha256(token));
  }

  public boolean missing() {
    return secret == null;
  }

  /** Never print the token: records would, by default. */
  @Override
  public String toString() {
    return missing() ? "BearerToken[missing]"
        : "BearerToken[sha256:" + sha256.substring(0, 12) + "]";
  }
}
