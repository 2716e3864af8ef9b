package io.opendatahub.mlflow.webhook.admission;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * What the stream reader's duplicate detection holds to: a name twice in one object is found,
 * however wide the object, and the same name in another object, inner or a sibling, is not; a
 * reset instance, kept by a thread for the next body, is as a new one and holds no grown stacks.
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

  @Test
  void aResetInstanceKeepsNothingOfAStreamLeftMidway() {
    DuplicateNames names = new DuplicateNames();
    names.open();
    for (int i = 0; i < DuplicateNames.SCANNED * 2; i++) {
      assertThat(names.add("k" + i)).isTrue();
    }
    names.open();
    assertThat(names.add("inner")).isTrue();

    names.reset();

    names.open();
    assertThat(names.add("k0")).as("a name of the last stream's wide object").isTrue();
    assertThat(names.add("inner")).as("a name of the last stream's inner object").isTrue();
    assertThat(names.add("inner")).isFalse();
    for (int i = 1; i < DuplicateNames.SCANNED * 2; i++) {
      assertThat(names.add("k" + i)).isTrue();
    }
    assertThat(names.add("k" + (DuplicateNames.SCANNED + 3))).as("past the scanned width")
        .isFalse();
    names.close();
  }

  @Test
  void resetKeepsStacksGrownAsFarAsAReviewNeedsThem() {
    DuplicateNames names = new DuplicateNames();
    for (int d = 0; d < 4; d++) {
      names.open();
      for (int i = 0; i < DuplicateNames.SCANNED; i++) {
        names.add("k" + i);
      }
    }
    int grown = names.capacity();
    assertThat(grown).isGreaterThan(DuplicateNames.NAMES)
        .isLessThanOrEqualTo(DuplicateNames.KEPT_NAMES);

    names.reset();

    assertThat(names.capacity()).isEqualTo(grown);
  }

  @Test
  void resetDropsTheStacksADeepBodyGrew() {
    DuplicateNames names = new DuplicateNames();
    int depth = DuplicateNames.KEPT_OBJECTS * 2;
    for (int d = 0; d < depth; d++) {
      names.open();
      for (int i = 0; i < DuplicateNames.SCANNED; i++) {
        assertThat(names.add("k" + i)).isTrue();
      }
    }
    assertThat(names.capacity()).isGreaterThanOrEqualTo(depth * DuplicateNames.SCANNED)
        .isGreaterThan(DuplicateNames.KEPT_NAMES);

    names.reset();

    assertThat(names.capacity()).isEqualTo(DuplicateNames.NAMES);
    for (int d = 0; d < depth; d++) {
      names.open();
      assertThat(names.add("k0")).isTrue();
      assertThat(names.add("k0")).isFalse();
    }
  }
}
