package io.opendatahub.mlflow.webhook.mlflow;

/**
 * User-written text quoted in a message, cut to a bound: a field may hold megabytes, and a
 * message is repeated in the denial, warnings, audit annotations and logs. Cut only text that
 * holds no secret (or is already redacted).
 */
final class Excerpt {

  /** How much of a name, image or other short field a message quotes. */
  static final int NAME_CHARACTERS = 100;

  private Excerpt() {}

  /** {@code text} whole, or its first {@code limit} characters and how many were left out. */
  static String of(String text, int limit) {
    if (text.length() <= limit) {
      return text;
    }
    return text.substring(0, limit) + "... (" + (text.length() - limit) + " more characters)";
  }

  /** A name or other short field, cut to {@link #NAME_CHARACTERS}. */
  static String of(String text) {
    return of(text, NAME_CHARACTERS);
  }
}
