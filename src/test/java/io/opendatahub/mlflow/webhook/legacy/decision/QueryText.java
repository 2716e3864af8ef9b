package io.opendatahub.mlflow.webhook.legacy.decision;

import java.util.Arrays;
import java.util.List;

/**
 * A URI's query read as libpq and SQLAlchemy read it: keys and values percent-decoded as they
 * decode them ('+' is a space, bad escapes stay), and which values are credentials. Apart from
 * {@link StoreUri} because it is the part that must stay linear: a query may hold a million
 * parameters, each compared in place, and a key may be megabytes long.
 */
final class QueryText {

  /**
   * Query keys, lower-cased with '_' and '-' removed after percent-decoding, whose value is a
   * credential when they end in one of these ({@code sslpassword}, {@code client_secret}, {@code
   * X-Amz-Security-Token}, {@code X-Amz-Signature}, {@code aws_secret_access_key}...).
   */
  private static final List<String> SECRET_KEY_SUFFIXES = List.of("password", "passwd", "pwd",
      "secret", "token", "accesskey", "secretkey", "apikey", "signature");

  private QueryText() {}

  /**
   * The values of secret query parameters after {@code from}, as start and end pairs in order;
   * over-covers rather than misses. A value runs to the next '&' or ';' even past a '#':
   * SQLAlchemy takes everything after the '?' as the query, so a '#' may be part of a password.
   */
  static int[] secretValues(String raw, int from) {
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
  static boolean keyIs(String raw, int start, int end, String key) {
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
}
