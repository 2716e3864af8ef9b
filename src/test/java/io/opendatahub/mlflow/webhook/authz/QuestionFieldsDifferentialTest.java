package io.opendatahub.mlflow.webhook.authz;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.admission.MalformedReviewException;
import io.opendatahub.mlflow.webhook.testing.ShortStrings;
import java.util.List;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * {@link QuestionFields} checks names a character at a time; these are the regular expressions
 * it checked them with before, and for every input both must agree: every single character,
 * every string of up to three characters from the edges of each character class, and generated
 * strings of any length from those edges and from all of Unicode.
 */
class QuestionFieldsDifferentialTest {

  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern WORD = Pattern.compile("[A-Za-z0-9*][-A-Za-z0-9._*]*");
  private static final Pattern RESOURCE = Pattern.compile("[-A-Za-z0-9._*/]*");

  /** Each class's members at its edges, their neighbours outside it, and what is far away. */
  private static final String EDGES = "09azAZ/:`{@[-._*/ \t\n\u0000\u001f\u007f\u0080\u009f"
      + "\u00a0\u00e9\u0130\u0131\u212a\u2028\u2029\ud83d\ude00\uff21\u0660\u00b2,+~";

  private static void agree(String value) {
    assertThat(QuestionFields.isLabel(value)).as("label %s", escaped(value))
        .isEqualTo(LABEL.matcher(value).matches());
    assertThat(QuestionFields.isWord(value)).as("word %s", escaped(value))
        .isEqualTo(WORD.matcher(value).matches());
    assertThat(QuestionFields.isResourceText(value)).as("resource %s", escaped(value))
        .isEqualTo(RESOURCE.matcher(value).matches());
    assertThat(refusal(() -> QuestionFields.text(value, "f", Integer.MAX_VALUE)) != null)
        .as("control characters in %s", escaped(value))
        .isEqualTo(value.chars().anyMatch(QuestionFieldsDifferentialTest::control));
  }

  /** The control characters as the stream over {@code chars()} found them before. */
  private static boolean control(int c) {
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029;
  }

  @Test
  void everySingleCharacterAndTheEmptyString() {
    agree("");
    for (int c = Character.MIN_VALUE; c <= Character.MAX_VALUE; c++) {
      agree(String.valueOf((char) c));
    }
  }

  @Test
  void everyStringOfUpToThreeEdgeCharacters() {
    List<String> strings = ShortStrings.upTo(3, EDGES);
    assertThat(strings).hasSize(1 + EDGES.length() + EDGES.length() * EDGES.length()
        + EDGES.length() * EDGES.length() * EDGES.length());
    strings.forEach(QuestionFieldsDifferentialTest::agree);
  }

  @Property(tries = 3000)
  void generatedStringsAgree(@ForAll("names") String value) {
    agree(value);
  }

  /**
   * The public checks, whole, on generated values: the same refusal (by message) or none, as
   * the regular expressions gave.
   */
  @Property(tries = 3000)
  void theChecksRefuseWhatTheyRefusedBefore(@ForAll("names") String value) {
    assertThat(refusal(() -> QuestionFields.namespace(value, "ns")))
        .isEqualTo(value.isEmpty() || value.length() <= QuestionFields.MAX_LABEL
            && LABEL.matcher(value).matches() ? null
            : "ns must be a namespace name: at most 63 lower-case letters, digits and '-',"
                + " starting and ending with a letter or digit");
    assertThat(refusal(() -> QuestionFields.word(value, "verb", true, QuestionFields.MAX_LABEL)))
        .isEqualTo(value.isEmpty() ? "verb is required"
            : value.length() <= QuestionFields.MAX_LABEL && WORD.matcher(value).matches() ? null
            : "verb must be at most 63 letters, digits, '.', '-', '_' or '*'");
    String resource = refusal(() -> QuestionFields.resource(value, "r"));
    if (value.isEmpty()) {
      assertThat(resource).isEqualTo("r is required");
    } else if (!RESOURCE.matcher(value).matches()) {
      assertThat(resource).isEqualTo("r must be a resource, or resource/subresource: letters,"
          + " digits, '.', '-', '_' or '*'");
    } else if (value.indexOf('/') < 0 && value.length() <= QuestionFields.MAX_NAME) {
      assertThat(resource).isNull();
    } else {
      String before = value.indexOf('/') < 0 ? value : value.substring(0, value.indexOf('/'));
      boolean bad = value.indexOf('/') < 0
          ? !WORD.matcher(value).matches() || value.length() > QuestionFields.MAX_NAME
          : !WORD.matcher(before).matches() || before.length() > QuestionFields.MAX_NAME
              || !WORD.matcher(value.substring(value.indexOf('/') + 1)).matches()
              || value.length() - before.length() - 1 > QuestionFields.MAX_NAME;
      assertThat(resource != null).as(escaped(value)).isEqualTo(bad);
    }
  }

  @Provide
  Arbitrary<String> names() {
    Arbitrary<String> edges = Arbitraries.strings().withChars(EDGES.toCharArray())
        .ofMaxLength(300);
    Arbitrary<String> wordLike = Arbitraries.strings().withCharRange('a', 'z')
        .withChars("-._*/09AZ".toCharArray()).ofMaxLength(300);
    Arbitrary<String> anything = Arbitraries.strings().all().ofMaxLength(80);
    return Arbitraries.oneOf(edges, wordLike, anything);
  }

  private interface Check {
    void run() throws MalformedReviewException;
  }

  private static String refusal(Check check) {
    try {
      check.run();
      return null;
    } catch (MalformedReviewException e) {
      return e.getMessage();
    }
  }

  private static String escaped(String value) {
    StringBuilder text = new StringBuilder("\"");
    value.chars().forEach(c -> text.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c)
        : String.format("\\u%04x", c)));
    return text.append('"').toString();
  }
}
