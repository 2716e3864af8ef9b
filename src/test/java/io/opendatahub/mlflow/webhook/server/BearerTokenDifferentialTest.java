package io.opendatahub.mlflow.webhook.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.testing.ShortStrings;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * {@link AuthorizeEndpoint#bearerToken(String, String)} reads the Authorization header by hand;
 * {@link #before} is how it read it with a regular expression, and for every header both give
 * the same token or both refuse: every single character, every header of up to three
 * characters around a scheme from the characters at the edges of whitespace and case, and
 * generated headers.
 */
class BearerTokenDifferentialTest {

  private static final Pattern WHITESPACE = Pattern.compile("\\s+");

  /** Whitespace of every kind (regex, trim, isBlank), case look-alikes, and plain characters. */
  private static final String EDGES = " \t\n\u000b\f\r\u001c\u0000\u0001\u00a0\u2003\u3000"
      + "\u0085\u2028bBeEaArR\u0130\u0131\u212a\u00e9xX:=";

  /** The code before: null when it refused the header. */
  private static String before(String authorization) {
    String[] parts = WHITESPACE.split(authorization.trim(), 2);
    if (parts.length != 2 || !parts[0].toLowerCase(Locale.ROOT).equals("bearer")
        || parts[1].isBlank()) {
      return null;
    }
    return parts[1].trim();
  }

  private static String now(String authorization) {
    try {
      return AuthorizeEndpoint.bearerToken(authorization, "ignored");
    } catch (AuthorizeEndpoint.InvalidAuthorizationHeader e) {
      return null;
    }
  }

  private static void agree(String header) {
    assertThat(now(header)).as("header %s", header.chars().mapToObj(Integer::toHexString)
        .toList()).isEqualTo(before(header));
  }

  @Test
  void everySingleCharacterAsSchemeSeparatorAndToken() {
    for (int c = Character.MIN_VALUE; c <= Character.MAX_VALUE; c++) {
      String one = String.valueOf((char) c);
      agree(one);
      agree("Bearer" + one + "tok");
      agree("Bearer " + one);
      agree("bEARER" + one);
      agree(one + "earer tok");
      agree("Bea" + one + "er tok");
    }
  }

  @Test
  void everyShortHeaderAroundTheScheme() {
    List<String> shorts = ShortStrings.upTo(3, EDGES);
    for (String around : shorts) {
      agree(around);
      agree("Bearer" + around);
      agree(around + "Bearer" + around + "t" + around);
      agree("BEARER" + around + "token" + around);
    }
  }

  @Property(tries = 5000)
  void generatedHeadersAgree(@ForAll("headers") String header) {
    agree(header);
  }

  @Provide
  Arbitrary<String> headers() {
    Arbitrary<String> edges = Arbitraries.strings().withChars(EDGES.toCharArray())
        .ofMaxLength(40);
    Arbitrary<String> anything = Arbitraries.strings().all().ofMaxLength(40);
    Arbitrary<String> schemes = Arbitraries.of("Bearer", "bearer", "BEARER", "Basic", "Bearer:",
        "Bearerx", "Beare", "", "B\u0130arer");
    return Arbitraries.oneOf(edges, anything,
        net.jqwik.api.Combinators.combine(edges, schemes, edges, anything, edges)
            .as((a, scheme, gap, token, end) -> a + scheme + gap + token + end));
  }
}
