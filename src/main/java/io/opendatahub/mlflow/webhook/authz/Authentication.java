package io.opendatahub.mlflow.webhook.authz;

/**
 * What {@link AuthorizationService#authenticate} found for a route question: the refusal (401,
 * or a fail-closed decision), or the token and its owner. The question's checks are asked with it
 * ({@link AuthorizationService#authorizeSelf(ResourceAttributes, Authentication)}), so a question
 * looks its caller's identity up once, not once more per check.
 *
 * @param identity the token's owner; null without an authority (only policy answers then)
 */
record Authentication(BearerToken token, Identity identity, AuthorizeResult refusal) {

  static Authentication refused(AuthorizeResult refusal) {
    return new Authentication(null, null, refusal);
  }

  static Authentication of(BearerToken token, Identity identity) {
    return new Authentication(token, identity, null);
  }

  boolean refused() {
    return refusal != null;
  }
}
