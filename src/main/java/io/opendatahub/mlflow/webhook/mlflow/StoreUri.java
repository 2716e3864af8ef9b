package io.opendatahub.mlflow.webhook.mlflow;

import java.util.Locale;
import java.util.Set;

/**
 * A store or artifact location as MLflow reads it: {@code sqlite:////mlflow/mlflow.db},
 * {@code postgresql+psycopg2://user:pw@host/db}, {@code s3://bucket/path}, or a bare path (a file
 * store). Knows its scheme family and how to print itself without secrets.
 *
 * <p>Parsed once, by hand, in one linear pass: the value comes from whoever can write the CR and
 * may be megabytes long, and every rule asks about it on the event loop. No regular expression
 * runs over it (a backtracking search over a long run of key characters cost seconds). The
 * user info is read by {@link UserInfo}, the query by {@link QueryText}.
 */
public final class StoreUri {

  /** What {@link #redacted()} shows of a URI at most: enough to recognise it in a message. */
  static final int SHOWN_CHARACTERS = 200;
  private static final String HIDDEN = "***";
  /**
   * Schemes MLflow hands to SQLAlchemy. Only these are read its way when looking for a password;
   * in {@code s3://host:9000/a@b} the "@b" is part of a key. Redaction reads every URI both ways.
   */
  private static final Set<String> SQL_FAMILIES =
      Set.of("postgresql", "postgres", "mysql", "mariadb", "mssql", "oracle", "sqlite");

  private final String raw;
  private final String scheme;
  /** The scheme without its driver suffix, worked out once: every rule asks for it. */
  private final String family;
  private final UserInfo userInfo;
  /**
   * Start and end of every secret query value, in pairs and in order; over-covers rather than
   * misses. Plain ints: a query may hold a million of them.
   */
  private final int[] secretValues;
  private final boolean secretQuery;

  public StoreUri(String raw) {
    this.raw = raw;
    this.scheme = parseScheme(raw);
    int plus = scheme.indexOf('+');
    this.family = plus > 0 ? scheme.substring(0, plus) : scheme;
    this.userInfo = UserInfo.read(raw);
    secretValues = QueryText.secretValues(raw,
        Math.max(Math.max(userInfo.end(), userInfo.authorityStart()), 0));
    boolean nonEmpty = false;
    for (int i = 0; i < secretValues.length; i += 2) {
      nonEmpty |= secretValues[i + 1] > secretValues[i];
    }
    secretQuery = nonEmpty;
  }

  public String raw() {
    return raw;
  }

  /** The scheme without a driver suffix: {@code postgresql+psycopg2} gives {@code postgresql}. */
  public String schemeFamily() {
    return family;
  }

  /** The full scheme in lower case; without one the URI is a local path, for MLflow a file. */
  public String scheme() {
    return scheme;
  }

  /** SQLite files and plain file stores live on the pod's volume. */
  public boolean isFileBased() {
    return family.equals("sqlite") || family.equals("file");
  }

  /** Whether the user info carries a non-empty password ({@code user:password@host}). */
  public boolean hasInlinePassword() {
    return userInfo.uriPassword()
        || userInfo.sqlAlchemyPassword() && SQL_FAMILIES.contains(family);
  }

  /** Whether a query parameter carries a credential ({@code ?password=...}, {@code &token=...}). */
  public boolean hasSecretQuery() {
    return secretQuery;
  }

  /** A password in the user info or a credential in the query. */
  public boolean hasInlineCredentials() {
    return hasInlinePassword() || hasSecretQuery();
  }

  /**
   * The percent-decoded value of query parameter {@code key} (case-insensitive, the key decoded
   * as libpq and SQLAlchemy decode it), or null when absent.
   */
  public String queryValue(String key) {
    int query = raw.indexOf('?');
    if (query < 0) {
      return null;
    }
    int end = raw.indexOf('#', query);
    end = end < 0 ? raw.length() : end;
    for (int start = query + 1; start <= end; ) {
      int next = Math.min(indexOfAny(raw, start, "&;#"), end);
      int equals = indexOf(raw, '=', start, next);
      if (equals >= 0 && QueryText.keyIs(raw, start, equals, key)) {
        return QueryText.decode(raw.substring(equals + 1, next));
      }
      start = next + 1;
    }
    return null;
  }

  /**
   * The URI with any password and secret query value replaced by {@code ***}, cut to {@link
   * #SHOWN_CHARACTERS}: safe and short enough for messages, logs and metrics. The user name
   * stays, since it helps an admin find which credentials are meant.
   */
  public String redacted() {
    StringBuilder out = new StringBuilder(Math.min(raw.length(), SHOWN_CHARACTERS) + 16);
    int from = 0;
    int passwordStart = userInfo.passwordStart();
    if (passwordStart >= 0) {
      // Through the last '@': an unencoded '@' in a password ends it early for every parser,
      // and what follows may still be the rest of it. A message loses a little of the host.
      out.append(raw, 0, passwordStart).append(HIDDEN);
      from = raw.lastIndexOf('@');
    }
    return Excerpt.of(hideSecretValues(out, from, HIDDEN, SHOWN_CHARACTERS), SHOWN_CHARACTERS);
  }

  /** The URI without user info and secret query values: where the data is, not who reads it. */
  public String withoutCredentials() {
    StringBuilder out = new StringBuilder(raw.length());
    int from = 0;
    if (userInfo.end() >= 0) {
      out.append(raw, 0, userInfo.authorityStart());
      from = userInfo.end() + 1;
    }
    return hideSecretValues(out, from, "", Integer.MAX_VALUE);
  }

  /** Appends the rest from {@code from}, values replaced, until {@code out} passes limit. */
  private String hideSecretValues(StringBuilder out, int from, String replacement, int limit) {
    for (int i = 0; i < secretValues.length && out.length() <= limit; i += 2) {
      if (secretValues[i] >= from) {
        out.append(raw, from, secretValues[i]).append(replacement);
        from = secretValues[i + 1];
      }
    }
    // Past the limit the rest is not copied: a cut URI needs only one more character to show it.
    long wanted = Math.max(0L, (long) limit + 1 - out.length());
    return out.append(raw, from, (int) Math.min(raw.length(), from + wanted)).toString();
  }

  /** The lower-case scheme before ":/", or "file" when there is none (a bare path). */
  private static String parseScheme(String raw) {
    int colon = raw.indexOf(':');
    if (colon <= 0 || !raw.startsWith("/", colon + 1) || !Character.isLetter(raw.charAt(0))) {
      return "file";
    }
    for (int i = 0; i < colon; i++) {
      char c = raw.charAt(i);
      if (c >= 128 || !(Character.isLetterOrDigit(c) || c == '+' || c == '.' || c == '-')) {
        return "file";
      }
    }
    return raw.substring(0, colon).toLowerCase(Locale.ROOT);
  }

  /**
   * The first index at or after {@code from} of any of {@code chars}, or the length. Shared with
   * {@link UserInfo}, which scans the same text for the authority's ends.
   */
  static int indexOfAny(String text, int from, String chars) {
    for (int i = from; i < text.length(); i++) {
      if (chars.indexOf(text.charAt(i)) >= 0) {
        return i;
      }
    }
    return text.length();
  }

  /** The first index of {@code c} in {@code [from, to)}, or -1. */
  private static int indexOf(String text, char c, int from, int to) {
    for (int i = from; i < to; i++) {
      if (text.charAt(i) == c) {
        return i;
      }
    }
    return -1;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof StoreUri uri && uri.raw.equals(raw);
  }

  @Override
  public int hashCode() {
    return raw.hashCode();
  }

  @Override
  public String toString() {
    return redacted();
  }
}
