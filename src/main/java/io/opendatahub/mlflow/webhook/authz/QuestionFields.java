package io.opendatahub.mlflow.webhook.authz;

import io.opendatahub.mlflow.webhook.admission.MalformedReviewException;

/**
 * What the fields of a question may hold, checked where the question arrives: the limits
 * Kubernetes itself puts on them. A question outside them names nothing that can exist, so it is
 * refused (400) before it reaches the cache, the API server or a log line; and its bounded sizes
 * bound the size of every cache entry.
 */
public final class QuestionFields {

  /** Namespaces are DNS-1123 labels. */
  static final int MAX_LABEL = 63;
  /** Object names (DNS-1123 subdomains and the freer path-segment names) stay within 253. */
  static final int MAX_NAME = 253;

  /*
   * The shapes below are checked a character at a time rather than by regular expressions: every
   * access review checks seven fields, and the matchers were a measurable share of a cached
   * answer (issue 19). QuestionFieldsDifferentialTest holds them to the expressions they replace.
   */

  private QuestionFields() {}

  /** An empty namespace (cluster-wide question) passes; anything else must be a label. */
  public static void namespace(String value, String field) throws MalformedReviewException {
    if (value == null || value.isEmpty()) {
      return;
    }
    if (value.length() > MAX_LABEL || !isLabel(value)) {
      throw new MalformedReviewException(field + " must be a namespace name: at most " + MAX_LABEL
          + " lower-case letters, digits and '-', starting and ending with a letter or digit");
    }
  }

  /** An object name: within Kubernetes' length limit and free of control characters. */
  public static void name(String value, String field) throws MalformedReviewException {
    text(value, field, MAX_NAME);
  }

  /** A free-form value (user name, group, uid, extra) without control characters. */
  public static void text(String value, String field, int max) throws MalformedReviewException {
    if (value == null) {
      return;
    }
    if (value.length() > max) {
      throw new MalformedReviewException(field + " is " + value.length() + " characters long; at"
          + " most " + max);
    }
    if (hasControl(value)) {
      throw new MalformedReviewException(field + " must not contain control characters");
    }
  }

  /**
   * A verb, group, version or subresource; {@code required} ones must not be empty.
   */
  public static void word(String value, String field, boolean required, int max)
      throws MalformedReviewException {
    if (value == null || value.isEmpty()) {
      if (required) {
        throw new MalformedReviewException(field + " is required");
      }
      return;
    }
    if (value.length() > max || !isWord(value)) {
      throw new MalformedReviewException(field + " must be at most " + max + " letters, digits,"
          + " '.', '-', '_' or '*'");
    }
  }

  /**
   * A resource: a word, or {@code resource/subresource} as RBAC rules and the RBAC authorizer
   * read it.
   */
  public static void resource(String value, String field) throws MalformedReviewException {
    if (value == null || value.isEmpty()) {
      throw new MalformedReviewException(field + " is required");
    }
    if (!isResourceText(value)) {
      throw new MalformedReviewException(field + " must be a resource, or resource/subresource:"
          + " letters, digits, '.', '-', '_' or '*'");
    }
    int slash = value.indexOf('/');
    if (slash >= 0) {
      word(value.substring(0, slash), field + " before '/'", true, MAX_NAME);
      word(value.substring(slash + 1), field + " after '/'", true, MAX_NAME);
    } else if (value.length() > MAX_NAME) {
      word(value, field, true, MAX_NAME);
    }
  }

  /** {@code [a-z0-9]([-a-z0-9]*[a-z0-9])?}: a DNS-1123 label, length aside. */
  static boolean isLabel(String value) {
    int last = value.length() - 1;
    if (last < 0) {
      return false;
    }
    for (int i = 0; i <= last; i++) {
      char c = value.charAt(i);
      if (!(lowerOrDigit(c) || c == '-' && i > 0 && i < last)) {
        return false;
      }
    }
    return true;
  }

  /**
   * {@code [A-Za-z0-9*][-A-Za-z0-9._*]*}: verbs, API groups, versions, resources and
   * subresources: letters, digits, {@code . - _} and RBAC's wildcard. Upper case passes (the
   * overlay compares without case); spaces, slashes, colons and anything non-ASCII do not.
   */
  static boolean isWord(String value) {
    if (value.isEmpty()) {
      return false;
    }
    char first = value.charAt(0);
    if (!(letterOrDigit(first) || first == '*')) {
      return false;
    }
    for (int i = 1; i < value.length(); i++) {
      if (!wordPart(value.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * What a resource or {@code resource/subresource} is made of: letters, digits, {@code . - _},
   * the wildcard and slashes, or nothing.
   */
  static boolean isResourceText(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (!(wordPart(c) || c == '/')) {
        return false;
      }
    }
    return true;
  }

  private static boolean wordPart(char c) {
    return letterOrDigit(c) || c == '-' || c == '.' || c == '_' || c == '*';
  }

  private static boolean letterOrDigit(char c) {
    return lowerOrDigit(c) || c >= 'A' && c <= 'Z';
  }

  private static boolean lowerOrDigit(char c) {
    return c >= 'a' && c <= 'z' || c >= '0' && c <= '9';
  }

  private static boolean hasControl(String value) {
    for (int i = 0; i < value.length(); i++) {
      if (control(value.charAt(i))) {
        return true;
      }
    }
    return false;
  }

  private static boolean control(int c) {
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029;
  }
}
