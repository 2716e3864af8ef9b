package io.opendatahub.mlflow.webhook.mlflow;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A store or artifact location as MLflow reads it: {@code sqlite:////mlflow/mlflow.db},
 * {@code postgresql+psycopg2://user:pw@host/db}, {@code s3://bucket/path}, or a bare path (a file
 * store). Knows its scheme family and how to print itself without secrets.
 *
 * <p>Parsed once, by hand, in one linear pass: the value comes from whoever can write the CR and
 * may be megabytes long, and every rule asks about it on the event loop. No regular expression
 * runs over it (a backtracking search over a long run of key characters cost seconds).
 */
public final class StoreUri {

  /** What {@link #redacted()} shows of a URI at most: enough to recognise it in a message. */
  static final int SHOWN_CHARACTERS = 200;
  private static final String HIDDEN = "***";
  /**
   * Query keys, lower-cased with '_' and '-' removed after percent-decoding, whose value is a
   * credential when they end in one of these ({@code sslpassword}, {@code client_secret}, {@code
   * X-Amz-Security-Token}, {@code X-Amz-Signature}, {@code aws_secret_access_key}...).
   */
  private static final List<String> SECRET_KEY_SUFFIXES = List.of("password", "passwd", "pwd",
      "secret", "token", "accesskey", "secretkey", "apikey", "signature");
  /**
   * Schemes MLflow hands to SQLAlchemy. Only these are read its way when looking for a password;
   * in {@code s3://host:9000/a@b} the "@b" is part of a key. Redaction reads every URI both ways.
   */
  private static final Set<String> SQL_FAMILIES =
      Set.of("postgresql", "postgres", "mysql", "mariadb", "mssql", "oracle", "sqlite");

  private final String raw;
  private final String scheme;
  /** Where the user info starts (after "://"), or -1 for a URI without an authority. */
  private final int authorityStart;
  /** The '@' that ends the user info in either reading, or -1. */
  private final int userInfoEnd;
  /** First character of a password in either reading, or -1. */
  private final int passwordStart;
  /** A non-empty password as the URI grammar reads it ({@code user:pw@host}, '@' last). */
  private final boolean uriPassword;
  /** A non-empty password as SQLAlchemy reads it (up to the first '@', across '/', '?', '#'). */
  private final boolean sqlAlchemyPassword;
  /**
   * Start and end of every secret query value, in pairs and in order; over-covers rather than
   * misses. Plain ints: a query may hold a million of them.
   */
  private final int[] secretValues;
  private final boolean secretQuery;

  public StoreUri(String raw) {
    this.raw = raw;
    this.scheme = parseScheme(raw);
    int separator = raw.indexOf("://");
    authorityStart = separator < 0 ? -1 : separator + 3;
    int infoEnd = -1;
    int password = -1;
    boolean grammar = false;
    boolean sqlAlchemy = false;
    if (authorityStart >= 0) {
      int authorityEnd = indexOfAny(raw, authorityStart, "/?#");
      int lastAt = raw.lastIndexOf('@', authorityEnd - 1);
      lastAt = lastAt >= authorityStart ? lastAt : -1;
      // SQLAlchemy: the user is everything up to the first ':' or '/' ('@' included); after a
      // ':' the password runs to the first '@', whatever lies between.
      int userEnd = indexOfAny(raw, authorityStart, ":/");
      int firstAt = userEnd < raw.length() && raw.charAt(userEnd) == ':'
          ? raw.indexOf('@', userEnd + 1) : -1;
      // When the URI grammar finds "user:pw@", its ':' is the first ':' of the authority, which
      // has no '/', so both readings start the password at the same ':'.
      grammar = lastAt > userEnd + 1 && userEnd < authorityEnd;
      sqlAlchemy = firstAt > userEnd + 1;
      infoEnd = Math.max(lastAt, firstAt);
      password = firstAt >= 0 || grammar ? userEnd + 1 : -1;
    }
    userInfoEnd = infoEnd;
    passwordStart = password;
    uriPassword = grammar;
    sqlAlchemyPassword = sqlAlchemy;
    secretValues = secretQueryValues(raw, Math.max(Math.max(infoEnd, authorityStart), 0));
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
    int plus = scheme.indexOf('+');
    return plus > 0 ? scheme.substring(0, plus) : scheme;
  }

  /** The full scheme in lower case; without one the URI is a local path, for MLflow a file. */
  public String scheme() {
    return scheme;
  }

  /** SQLite files and plain file stores live on the pod's volume. */
  public boolean isFileBased() {
    String family = schemeFamily();
    return family.equals("sqlite") || family.equals("file");
  }

  /** Whether the user info carries a non-empty password ({@code user:password@host}). */
  public boolean hasInlinePassword() {
    return uriPassword || sqlAlchemyPassword && SQL_FAMILIES.contains(schemeFamily());
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
      if (equals >= 0 && keyIs(raw, start, equals, key)) {
        return decode(raw.substring(equals + 1, next));
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
    if (userInfoEnd >= 0) {
      out.append(raw, 0, authorityStart);
      from = userInfoEnd + 1;
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

  /**
   * The values of secret query parameters after {@code from}. A value runs to the next '&' or
   * ';' even past a '#': SQLAlchemy takes everything after the '?' as the query, so a '#' may be
   * part of a password.
   */
  private static int[] secretQueryValues(String raw, int from) {
    int query = raw.indexOf('?', from);
    if (query < 0) {
      return new int[0];
    }
    int[] spans = new int[8];
    int count = 0;
    int keyStart = query + 1;
    int equals = -1;
    // One pass, each character looked at once: a query may hold a million parameters.
    for (int i = keyStart; i <= raw.length(); i++) {
      char c = i < raw.length() ? raw.charAt(i) : '&';
      if (c == '&' || c == ';') {
        if (equals >= 0 && isSecretKey(raw, keyStart, equals)) {
          if (count == spans.length) {
            spans = Arrays.copyOf(spans, count * 2);
          }
          spans[count++] = equals + 1;
          spans[count++] = i;
        }
        keyStart = i + 1;
        equals = -1;
      } else if (equals < 0 && c == '=') {
        equals = i;
      }
    }
    return Arrays.copyOf(spans, count);
  }

  /**
   * Whether the key in {@code raw[start, end)}, percent-decoded, is {@code key} in any case.
   * Decodes in place: every parameter of a long query is compared.
   */
  private static boolean keyIs(String raw, int start, int end, String key) {
    int j = 0;
    for (int i = start; i < end; j++) {
      boolean escape = i + 2 < end && raw.charAt(i) == '%' && charStart(raw, i, i + 2) == i;
      int next = escape ? i + 3 : i + 1;
      char c = decodedAt(raw, i, next - 1);
      if (j >= key.length() || Character.toLowerCase(c) != Character.toLowerCase(key.charAt(j))) {
        return false;
      }
      i = next;
    }
    return j == key.length();
  }

  /**
   * Whether the key in {@code raw[start, end)}, percent-decoded, names a credential. Read from
   * its end, in place, decoding as it goes: two escapes cannot overlap ('%' is no hex digit), so
   * this reads what a decoder reading from the front reads, without copying a long key.
   */
  private static boolean isSecretKey(String raw, int start, int end) {
    char last = 0;
    for (int i = end - 1; i >= start && last == 0; i = charStart(raw, start, i) - 1) {
      char c = decodedAt(raw, charStart(raw, start, i), i);
      last = c == '_' || c == '-' ? 0 : Character.toLowerCase(c);
    }
    if (last == 'g' && endsWithWord(raw, start, end, "sig", true)) {
      return true;
    }
    for (String word : SECRET_KEY_SUFFIXES) {
      if (word.charAt(word.length() - 1) == last && endsWithWord(raw, start, end, word, false)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether the decoded key in {@code raw[start, end)} ends in {@code word} (lower case),
   * ignoring case and any '_' or '-'; with {@code whole}, nothing else may come before it.
   */
  private static boolean endsWithWord(String raw, int start, int end, String word,
      boolean whole) {
    int j = word.length() - 1;
    for (int i = end - 1; i >= start; i = charStart(raw, start, i) - 1) {
      char c = decodedAt(raw, charStart(raw, start, i), i);
      if (c == '_' || c == '-') {
        continue;
      }
      if (j < 0 || Character.toLowerCase(c) != word.charAt(j)) {
        return false;
      }
      if (--j < 0 && !whole) {
        return true;
      }
    }
    return j < 0;
  }

  /** Where the character ending at {@code i} starts: at its '%' if it is an escape. */
  private static int charStart(String raw, int start, int i) {
    return i - 2 >= start && raw.charAt(i - 2) == '%'
        && Character.digit(raw.charAt(i - 1), 16) >= 0 && Character.digit(raw.charAt(i), 16) >= 0
        ? i - 2 : i;
  }

  /** The decoded character written from {@code from} to {@code i}; '+' is a space. */
  private static char decodedAt(String raw, int from, int i) {
    if (from < i) {
      return (char) (Character.digit(raw.charAt(from + 1), 16) * 16
          + Character.digit(raw.charAt(i), 16));
    }
    char c = raw.charAt(i);
    return c == '+' ? ' ' : c;
  }

  /** Percent-decoding as libpq and Python's parse_qsl do it ('+' is a space); bad escapes stay. */
  static String decode(String text) {
    if (text.indexOf('%') < 0 && text.indexOf('+') < 0) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      int high = i + 2 < text.length() ? Character.digit(text.charAt(i + 1), 16) : -1;
      int low = high >= 0 ? Character.digit(text.charAt(i + 2), 16) : -1;
      if (c == '%' && low >= 0) {
        out.append((char) (high * 16 + low));
        i += 2;
      } else {
        out.append(c == '+' ? ' ' : c);
      }
    }
    return out.toString();
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

  /** The first index at or after {@code from} of any of {@code chars}, or the length. */
  private static int indexOfAny(String text, int from, String chars) {
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
