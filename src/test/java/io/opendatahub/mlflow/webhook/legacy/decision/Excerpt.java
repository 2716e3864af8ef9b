package io.opendatahub.mlflow.webhook.legacy.decision;

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
    return text.length() <= limit ? text : text.substring(0, end(text, limit)) + "... (cut)";
  }

  /**
   * {@code text} whole, or cut so that it and the mark {@code ...} hold at most {@code limit}
   * characters: for fields with a hard size bound (report messages, audit results).
   */
  public static String within(String text, int limit) {
    return text.length() <= limit ? text : text.substring(0, end(text, limit - 3)) + "...";
  }

  /** Where to cut {@code text} to at most {@code limit} characters without halving a pair. */
  private static int end(String text, int limit) {
    return Character.isHighSurrogate(text.charAt(limit - 1)) ? limit - 1 : limit;
  }

  /** A name or other short field, cut to {@link #NAME_CHARACTERS}. */
  public static String of(String text) {
    return of(text, NAME_CHARACTERS);
  }
}
