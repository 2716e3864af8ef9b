package io.opendatahub.mlflow.webhook.legacy.decision;

/**
 * Where a URI's user info and password lie, in the two readings that disagree: the URI grammar
 * ({@code user:pw@host}, the last '@' of the authority) and SQLAlchemy's (the password runs to the
 * first '@', across '/', '?' and '#'). Apart from {@link StoreUri} because this is the one place
 * the webhook must read a URI the way MLflow's database driver will, not the way a URI parser
 * would, and it changes only when SQLAlchemy's reading does.
 *
 * @param authorityStart where the user info starts (after "://"), or -1 for a URI without an
 *     authority
 * @param end the '@' that ends the user info in either reading, or -1
 * @param passwordStart first character of a password in either reading, or -1
 * @param uriPassword a non-empty password as the URI grammar reads it
 * @param sqlAlchemyPassword a non-empty password as SQLAlchemy reads it
 */
record UserInfo(int authorityStart, int end, int passwordStart, boolean uriPassword,
    boolean sqlAlchemyPassword) {

  private static final UserInfo NONE = new UserInfo(-1, -1, -1, false, false);

  /** One scan of the authority; a URI without one shares a constant, allocating nothing. */
  static UserInfo read(String raw) {
    int separator = raw.indexOf("://");
    if (separator < 0) {
      return NONE;
    }
    int authorityStart = separator + 3;
    int authorityEnd = StoreUri.indexOfAny(raw, authorityStart, "/?#");
    int lastAt = raw.lastIndexOf('@', authorityEnd - 1);
    lastAt = lastAt >= authorityStart ? lastAt : -1;
    // SQLAlchemy: the user is everything up to the first ':' or '/' ('@' included); after a
    // ':' the password runs to the first '@', whatever lies between.
    int userEnd = StoreUri.indexOfAny(raw, authorityStart, ":/");
    int firstAt = userEnd < raw.length() && raw.charAt(userEnd) == ':'
        ? raw.indexOf('@', userEnd + 1) : -1;
    // When the URI grammar finds "user:pw@", its ':' is the first ':' of the authority, which
    // has no '/', so both readings start the password at the same ':'.
    boolean grammar = lastAt > userEnd + 1 && userEnd < authorityEnd;
    boolean sqlAlchemy = firstAt > userEnd + 1;
    return new UserInfo(authorityStart, Math.max(lastAt, firstAt),
        firstAt >= 0 || grammar ? userEnd + 1 : -1, grammar, sqlAlchemy);
  }
}
