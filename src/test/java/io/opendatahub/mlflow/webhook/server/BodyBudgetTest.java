package io.opendatahub.mlflow.webhook.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BodyBudgetTest {

  private static final long MIB = 1024 * 1024;

  @Test
  void aBodyIsChargedTwiceForTheBufferAndTheDecodersCopy() {
    BodyBudget budget = new BodyBudget(8 * MIB, 2 * MIB);

    assertThat(budget.tryTake(3 * MIB)).isTrue();

    assertThat(budget.used()).isEqualTo(6 * MIB);
  }

  @Test
  void largeBodiesNeverTakeTheShareKeptForSmallOnes() {
    BodyBudget budget = new BodyBudget(16 * MIB, 4 * MIB);

    assertThat(budget.tryTake(3 * MIB)).isTrue();
    assertThat(budget.tryTake(3 * MIB)).isTrue();
    assertThat(budget.tryTake(1 * MIB)).as("a third large body").isFalse();
    assertThat(budget.tryTake(BodyBudget.SMALL_BODY)).as("a small one still fits").isTrue();
    assertThat(budget.used()).isEqualTo(12 * MIB + 2 * BodyBudget.SMALL_BODY);
  }

  @Test
  void releasedBodiesCanBeChargedAgain() {
    BodyBudget budget = new BodyBudget(16 * MIB, 4 * MIB);
    assertThat(budget.tryTake(6 * MIB)).isTrue();
    assertThat(budget.tryTake(1 * MIB)).isFalse();

    budget.give(6 * MIB);

    assertThat(budget.used()).isZero();
    assertThat(budget.tryTake(6 * MIB)).isTrue();
  }

  @Test
  void theHeapDerivedBudgetIsAQuarterOfTheHeapAndAlwaysHoldsTwoMaximumBodies() {
    BodyBudget container = BodyBudget.forHeap(358 * MIB, 7 * MIB);
    BodyBudget tiny = BodyBudget.forHeap(16 * MIB, 7 * MIB);

    assertThat(container.capacity()).isEqualTo(358 * MIB / 4);
    assertThat(tiny.tryTake(7 * MIB)).isTrue();
    assertThat(tiny.tryTake(7 * MIB)).as("two maximum bodies fit even in a small heap").isTrue();
  }
}
