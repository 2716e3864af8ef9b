package io.opendatahub.mlflow.webhook.mlflow;

/**
 * User-written text quoted in a message, cut to a bound: a field may hold megabytes, and a
 * message is repeated in the denial, warnings, audit annotations and logs. Cut only text that
 * holds no secret (or is already redacted).
 */
public final class Excerpt {

  /** How much of a name, image or other short field a message quotes. */
  public static final int NAME_CHARACTERS = 100;

  private Excerpt() {}

  /** {@code text} whole, or its first {@code limit} characters marked as cut. */
  public static String of(String text, int limit) {
    return text.length() <= limit ? text : text.substring(0, limit) + "... (cut)";
  }

  /** A name or other short field, cut to {@link #NAME_CHARACTERS}. */
  public static String of(String text) {
    return of(text, NAME_CHARACTERS);
  }
}
