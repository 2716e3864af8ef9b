package io.opendatahub.mlflow.webhook.authz;

/** An authority cannot answer yet; its message says why and is safe to show to callers. */
public final class AuthorityUnavailableException extends RuntimeException {

  public AuthorityUnavailableException(String message) {
    super(message, null, false, false);
  }
}
