package io.opendatahub.mlflow.webhook.authz;

/** Whom a review asks about. */
public sealed interface Subject {

  /** The caller itself, known by its bearer token (SelfSubjectAccessReview). */
  record Token(String bearer) implements Subject {
    /** Never print the token: records would, by default. */
    @Override
    public String toString() {
      return "Token[sha256:" + Tokens.sha256(bearer).substring(0, 12) + "]";
    }
  }

  /** Someone named in the body (SubjectAccessReview), asked about by a trusted caller. */
  record Named(Identity identity) implements Subject {}
}
