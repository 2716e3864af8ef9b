package io.opendatahub.mlflow.webhook.mlflow;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A store or artifact location as MLflow reads it: {@code sqlite:////mlflow/mlflow.db},
 * {@code postgresql+psycopg2://user:pw@host/db}, {@code s3://bucket/path}, or a bare path (a file
 * store). Knows its scheme family and how to print itself without secrets.
 */
public record StoreUri(String raw) {

  private static final Pattern SCHEME = Pattern.compile("[a-z][a-z0-9+.-]*");
  /**
   * Query parameters whose value is a credential: any key ending in password, passwd, pwd,
   * secret, token, access key, secret key, API key or signature ({@code sslpassword},
   * {@code client_secret}, {@code x-amz-security-token}, {@code X-Amz-Signature}...), and
   * Azure's SAS {@code sig}.
   */
  private static final Pattern SECRET_QUERY_PARAM = Pattern.compile("(?i)([?&;](?:[a-z0-9_.-]*"
      + "(?:password|passwd|pwd|secret|token|access_?key|secret_?key|api_?key|signature)|sig)=)"
      + "[^&;#]*");
  /**
   * User info as SQLAlchemy reads it (MLflow hands SQL store URIs to SQLAlchemy): a user without
   * ':' or '/', then a password that runs to the first '@', even across '/', '?' or '#'. An
   * unencoded "p/ss" is still a password, so it must be found and redacted.
   */
  private static final Pattern SQLALCHEMY_USER_INFO =
      Pattern.compile("^([\\w+]+://[^:/@]*:)([^@]*)@");
  /**
   * Schemes MLflow hands to SQLAlchemy. Only these are read its way when looking for a password;
   * in {@code s3://host:9000/a@b} the "@b" is part of a key. Redaction reads every URI both ways.
   */
  private static final Set<String> SQL_FAMILIES =
      Set.of("postgresql", "postgres", "mysql", "mariadb", "mssql", "oracle", "sqlite");

  /** The scheme with any driver suffix removed: {@code postgresql+psycopg2} gives {@code postgresql}. */
  public String schemeFamily() {
    String scheme = scheme();
    int plus = scheme.indexOf('+');
    return plus > 0 ? scheme.substring(0, plus) : scheme;
  }

  /** The full scheme in lower case; a URI with none is a local path, which MLflow treats as file. */
  public String scheme() {
    int colon = raw.indexOf(':');
    if (colon <= 0 || !raw.startsWith("//", colon + 1) && !raw.regionMatches(colon, ":/", 0, 2)) {
      return "file";
    }
    String scheme = raw.substring(0, colon).toLowerCase(Locale.ROOT);
    return SCHEME.matcher(scheme).matches() ? scheme : "file";
  }

  /** SQLite files and plain file stores live on the pod's volume. */
  public boolean isFileBased() {
    String family = schemeFamily();
    return family.equals("sqlite") || family.equals("file");
  }

  /** Whether the authority carries a password ({@code user:password@host}). */
  public boolean hasInlinePassword() {
    int start = authorityStart();
    if (start < 0) {
      return false;
    }
    int at = userInfoEnd(start);
    return at > start && raw.substring(start, at).indexOf(':') >= 0
        || SQL_FAMILIES.contains(schemeFamily()) && SQLALCHEMY_USER_INFO.matcher(raw).find();
  }

  /** Whether a query parameter carries a credential ({@code ?password=...}, {@code &token=...}). */
  public boolean hasSecretQuery() {
    return SECRET_QUERY_PARAM.matcher(raw).find();
  }

  /** A password in the user info or a credential in the query. */
  public boolean hasInlineCredentials() {
    return hasInlinePassword() || hasSecretQuery();
  }

  /** The value of query parameter {@code key} (case-insensitive), or null when absent. */
  public String queryValue(String key) {
    int query = raw.indexOf('?');
    if (query < 0) {
      return null;
    }
    int fragment = raw.indexOf('#', query);
    String text = raw.substring(query + 1, fragment < 0 ? raw.length() : fragment);
    for (String pair : text.split("[&;]")) {
      int equals = pair.indexOf('=');
      if (equals > 0 && pair.substring(0, equals).equalsIgnoreCase(key)) {
        return pair.substring(equals + 1);
      }
    }
    return null;
  }

  /**
   * The URI with any password replaced by {@code ***}: safe for messages, logs and metrics.
   * The user name stays, since it helps an admin find which credentials are meant.
   */
  public String redacted() {
    return rewrite(userInfo -> {
      int colon = userInfo.indexOf(':');
      return (colon >= 0 ? userInfo.substring(0, colon) + ":***" : userInfo) + "@";
    }, "$1***");
  }

  /** The URI with user info and secret query values removed: where the data is, not who reads it. */
  public String withoutCredentials() {
    return rewrite(userInfo -> "", "$1");
  }

  /**
   * The URI with its user info (without the '@') replaced by {@code userInfo}'s result, and the
   * values of secret query parameters by {@code queryValue}.
   */
  private String rewrite(java.util.function.UnaryOperator<String> userInfo, String queryValue) {
    String result = raw;
    int start = authorityStart();
    if (start >= 0) {
      int at = userInfoEnd(start);
      if (at > start) {
        result = raw.substring(0, start) + userInfo.apply(raw.substring(start, at))
            + raw.substring(at + 1);
      }
    }
    Matcher sqlalchemy = SQLALCHEMY_USER_INFO.matcher(result);
    if (sqlalchemy.find() && !sqlalchemy.group(2).equals("***")) {
      // A password the URI grammar missed (it holds '/', '?' or '#'): SQLAlchemy still reads it.
      int userStart = result.indexOf("://") + 3;
      result = result.substring(0, userStart)
          + userInfo.apply(result.substring(userStart, sqlalchemy.end() - 1))
          + result.substring(sqlalchemy.end());
    }
    return SECRET_QUERY_PARAM.matcher(result).replaceAll(queryValue);
  }

  private int authorityStart() {
    int separator = raw.indexOf("://");
    return separator < 0 ? -1 : separator + 3;
  }

  /** Index of the '@' that ends the user info, or -1; only within the authority. */
  private int userInfoEnd(int authorityStart) {
    int end = raw.length();
    for (int i = authorityStart; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '/' || c == '?' || c == '#') {
        end = i;
        break;
      }
    }
    return raw.lastIndexOf('@', end - 1) >= authorityStart ? raw.lastIndexOf('@', end - 1) : -1;
  }

  @Override
  public String toString() {
    return redacted();
  }
}
