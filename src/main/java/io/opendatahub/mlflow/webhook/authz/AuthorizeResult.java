package io.opendatahub.mlflow.webhook.authz;

/**
 * What {@code /authorize} answers: a decision (HTTP 200), or a refusal to decide for this
 * caller (401: no or invalid credentials; 403: not allowed to ask about others).
 */
public record AuthorizeResult(int httpStatus, String message, AccessDecision decision) {

  public static AuthorizeResult decided(AccessDecision decision) {
    return new AuthorizeResult(200, null, decision);
  }

  public static AuthorizeResult refused(int httpStatus, String message) {
    return new AuthorizeResult(httpStatus, message, null);
  }
}
