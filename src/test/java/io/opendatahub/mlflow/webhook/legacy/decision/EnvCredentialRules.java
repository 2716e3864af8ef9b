package io.opendatahub.mlflow.webhook.legacy.decision;

import io.opendatahub.mlflow.webhook.mlflow.Excerpt;
import io.opendatahub.mlflow.webhook.policy.MLflowRule;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Credentials written as literal {@code env[].value}s: a URI with a password or a secret query
 * parameter, or a variable whose name says it holds a secret ({@link #SECRET_WORDS}). The
 * operator copies {@code env} into its Deployment, so the value is as readable as the CR. Values
 * from {@code valueFrom} are fine; messages never repeat a value, only a redacted URI.
 */
final class EnvCredentialRules {

  /**
   * A variable holds a secret when its upper-cased name is one of these words or ends in
   * {@code _WORD} ({@code AWS_SECRET_ACCESS_KEY}, {@code MLFLOW_TRACKING_TOKEN}, {@code
   * AZURE_CLIENT_SECRET}, {@code OPENAI_API_KEY}...). {@code PWD} alone is the working directory.
   */
  static final List<String> SECRET_WORDS = List.of("PASSWORD", "PASSWD", "TOKEN", "SECRET",
      "SECRET_KEY", "ACCESS_KEY", "API_KEY", "APIKEY", "PRIVATE_KEY", "CONNECTION_STRING");
  /** Suffixes that mark a secret even without an underscore before them: {@code PGPASSWORD}. */
  private static final List<String> SECRET_SUFFIXES = List.of("PASSWORD", "PASSWD", "_PWD");
  /**
   * How many URIs of one value are parsed at most. Each costs an object and a pass; a value of a
   * million tiny URIs would otherwise hold the event loop for a tenth of a second. A value with
   * more is not admitted unread (the strict reading), it is reported.
   */
  static final int URIS_READ = 1000;
  private static final StoreUri TOO_MANY_URIS = new StoreUri("");
  /** Values that switch something on or off rather than hold a secret. */
  private static final Set<String> SWITCH_VALUES =
      Set.of("0", "1", "true", "false", "yes", "no", "on", "off");

  private EnvCredentialRules() {}

  static void check(MLflowSpec spec, RuleFindings findings) {
    for (EnvVariable variable : spec.env()) {
      String value = variable.value();
      if (value == null || value.isBlank()) {
        continue;
      }
      String name = Excerpt.of(variable.name());
      StoreUri uri = uriWithCredentials(value);
      if (uri == TOO_MANY_URIS) {
        findings.add(MLflowRule.INLINE_CREDENTIALS, variable.path("value"), () -> name
            + " holds more than " + URIS_READ + " URIs that could carry credentials; they are not"
            + " all read, so they are not admitted. Keep such a list in a ConfigMap or Secret"
            + " and reference it with valueFrom.");
      } else if (uri != null) {
        findings.add(MLflowRule.INLINE_CREDENTIALS, variable.path("value"), () -> name
            + " holds a URI with " + CredentialRules.what(uri) + " ('" + uri.redacted()
            + "'), visible to anyone who can read the MLflow CR. " + fix(variable));
      } else if (namesASecret(variable.name()) && holdsALiteral(value)) {
        findings.add(MLflowRule.INLINE_CREDENTIALS, variable.path("value"), () -> name
            + " is named like a credential and has a literal value, visible to anyone who can"
            + " read the MLflow CR. " + fix(variable));
      }
    }
  }

  static boolean namesASecret(String name) {
    for (String word : SECRET_SUFFIXES) {
      if (endsWith(name, word)) {
        return true;
      }
    }
    for (String word : SECRET_WORDS) {
      if (name.equalsIgnoreCase(word) || name.length() > word.length() && endsWith(name, word)
          && name.charAt(name.length() - word.length() - 1) == '_') {
        return true;
      }
    }
    return false;
  }

  private static boolean endsWith(String name, String word) {
    return name.regionMatches(true, name.length() - word.length(), word, 0, word.length());
  }

  /**
   * Whether {@code value} writes something besides {@code $(OTHER_VAR)} references (which
   * Kubernetes substitutes from other variables) and switch values such as {@code 1} or {@code
   * true} ({@code HF_HUB_DISABLE_IMPLICIT_TOKEN=1} names a token but holds none).
   */
  static boolean holdsALiteral(String value) {
    String trimmed = value.strip();
    if (trimmed.length() <= 5 && SWITCH_VALUES.contains(trimmed.toLowerCase(Locale.ROOT))) {
      return false;
    }
    int i = 0;
    while (i < trimmed.length()) {
      int end = referenceEnd(trimmed, i);
      if (end < 0) {
        return true;
      }
      i = end;
    }
    return false;
  }

  /** The index after a {@code $(NAME)} reference starting at {@code start}, or -1. */
  private static int referenceEnd(String value, int start) {
    if (!value.startsWith("$(", start) || start + 2 >= value.length()
        || !isNameStart(value.charAt(start + 2))) {
      return -1;
    }
    for (int i = start + 3; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == ')') {
        return i + 1;
      }
      if (!isNameStart(c) && !Character.isDigit(c) && c != '.' && c != '-') {
        return -1;
      }
    }
    return -1;
  }

  private static boolean isNameStart(char c) {
    return c < 128 && (Character.isLetter(c) || c == '_');
  }

  /**
   * The first URI in {@code value} that carries a credential, or null. Every "://" starts a
   * candidate that runs to the next whitespace or the next candidate's scheme, so a URI after
   * another one in the same word (a JSON or key=value list) is read too, and each character is
   * looked at a bounded number of times whatever the value's shape. Only candidates with a ':'
   * before an '@' (a password) or a '?' before an '=' (a query) can carry a credential; only
   * these are parsed, at most {@link #URIS_READ} of them.
   */
  private static StoreUri uriWithCredentials(String value) {
    int separator = value.indexOf("://");
    int start = separator < 0 ? -1 : schemeStart(value, separator, 0);
    int parsed = 0;
    while (separator >= 0) {
      int next = value.indexOf("://", separator + 3);
      int nextStart = next < 0 ? value.length() : schemeStart(value, next, separator + 3);
      int end = separator + 3;
      boolean colon = false;
      boolean question = false;
      boolean marked = false;
      for (char c; end < nextStart && !Character.isWhitespace(c = value.charAt(end)); end++) {
        marked |= colon && c == '@' || question && c == '=';
        colon |= c == ':';
        question |= c == '?';
      }
      if (marked && start < separator) {
        if (++parsed > URIS_READ) {
          return TOO_MANY_URIS;
        }
        StoreUri uri = new StoreUri(value.substring(start, end));
        if (uri.hasInlineCredentials()) {
          return uri;
        }
      }
      separator = next;
      start = nextStart;
    }
    return null;
  }

  /**
   * Where the scheme before the "://" at {@code separator} starts, not before {@code floor}:
   * {@code separator} itself when no letter begins one. Scanned by hand, each character once.
   */
  private static int schemeStart(String value, int separator, int floor) {
    int start = separator;
    while (start > floor && isSchemeChar(value.charAt(start - 1))) {
      start--;
    }
    while (start < separator && !Character.isLetter(value.charAt(start))) {
      start++;
    }
    return start;
  }

  private static boolean isSchemeChar(char c) {
    return c < 128 && (Character.isLetterOrDigit(c) || c == '+' || c == '.' || c == '-');
  }

  /**
   * For a variable the operator sets, the fix is the CR field it comes from (that field takes a
   * Secret); for any other, a Secret reference on the entry.
   */
  private static String fix(EnvVariable variable) {
    String instead = OperatorManagedEnvRules.MANAGED.get(variable.name());
    return instead != null
        ? "Remove this entry and set " + instead + " (from a Secret where the field allows it)."
        : "Put the value in a Secret and set spec.env[" + variable.index()
            + "].valueFrom.secretKeyRef instead of value.";
  }
}
