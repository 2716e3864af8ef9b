package io.opendatahub.mlflow.webhook.authz;

import io.opendatahub.mlflow.webhook.admission.MalformedReviewException;
import java.util.regex.Pattern;

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

  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  /**
   * Verbs, API groups, versions, resources and subresources: letters, digits, {@code . - _} and
   * RBAC's wildcard. Upper case passes (the overlay compares without case); spaces, slashes,
   * colons and anything non-ASCII do not.
   */
  private static final Pattern WORD = Pattern.compile("[A-Za-z0-9*][-A-Za-z0-9._*]*");
  private static final Pattern RESOURCE = Pattern.compile("[-A-Za-z0-9._*/]*");

  private QuestionFields() {}

  /** An empty namespace (cluster-wide question) passes; anything else must be a label. */
  public static void namespace(String value, String field) throws MalformedReviewException {
    if (value == null || value.isEmpty()) {
      return;
    }
    if (value.length() > MAX_LABEL || !LABEL.matcher(value).matches()) {
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
    if (value.chars().anyMatch(QuestionFields::control)) {
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
    if (value.length() > max || !WORD.matcher(value).matches()) {
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
    if (!RESOURCE.matcher(value).matches()) {
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

  private static boolean control(int c) {
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029;
  }
}
