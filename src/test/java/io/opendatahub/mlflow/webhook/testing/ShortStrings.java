package io.opendatahub.mlflow.webhook.testing;

import java.util.ArrayList;
import java.util.List;

/** Every string up to a length over an alphabet, for differential tests of character checks. */
public final class ShortStrings {

  private ShortStrings() {}

  /** All strings of {@code alphabet}'s characters up to {@code maxLength}, the empty one first. */
  public static List<String> upTo(int maxLength, String alphabet) {
    List<String> strings = new ArrayList<>(List.of(""));
    List<String> previous = List.of("");
    for (int length = 1; length <= maxLength; length++) {
      List<String> longer = new ArrayList<>();
      for (String prefix : previous) {
        for (char c : alphabet.toCharArray()) {
          longer.add(prefix + c);
        }
      }
      strings.addAll(longer);
      previous = longer;
    }
    return strings;
  }
}
