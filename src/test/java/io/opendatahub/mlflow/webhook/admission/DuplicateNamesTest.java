package io.opendatahub.mlflow.webhook.admission;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * What the stream reader's duplicate detection holds to: a name twice in one object is found,
 * however wide the object, and the same name in another object, inner or a sibling, is not.
 * {@link StreamedDecodingTest} holds it to Jackson's own detection over whole reviews.
 */
class DuplicateNamesTest {

  @Test
  void aNameTwiceInOneObjectIsFoundAtAnyWidth() {
    for (int width = 1; width <= DuplicateNames.SCANNED * 3; width++) {
      DuplicateNames names = new DuplicateNames();
      names.open();
      for (int i = 0; i < width; i++) {
        assertThat(names.add(new String("k" + i))).as("k%d of %d", i, width).isTrue();
      }
      for (int i = 0; i < width; i++) {
        assertThat(names.add(new String("k" + i))).as("k%d again, of %d", i, width).isFalse();
      }
      assertThat(names.add("new")).isTrue();
    }
  }

  @Test
  void theSameNameInAnInnerOrASiblingObjectIsNoDuplicate() {
    DuplicateNames names = new DuplicateNames();
    names.open();
    for (int i = 0; i < DuplicateNames.SCANNED + 3; i++) {
      assertThat(names.add("k" + i)).isTrue();
      names.open();
      assertThat(names.add("k" + i)).as("inner k%d", i).isTrue();
      assertThat(names.add("inner")).isTrue();
      assertThat(names.add("inner")).isFalse();
      names.close();
    }
    assertThat(names.add("inner")).as("an inner object's name, in the outer one").isTrue();
    assertThat(names.add("k0")).isFalse();
    names.close();
    names.open();
    assertThat(names.add("k0")).as("a closed sibling's name").isTrue();
  }
}
