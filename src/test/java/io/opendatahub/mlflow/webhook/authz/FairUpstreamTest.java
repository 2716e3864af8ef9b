package io.opendatahub.mlflow.webhook.authz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

/** Callers take turns for upstream calls; what waited too long or was given up is not run. */
class FairUpstreamTest {

  private final AtomicLong now = new AtomicLong();
  /** The order calls started in, and their answers, which the test completes. */
  private final List<String> started = Collections.synchronizedList(new ArrayList<>());
  private final List<CompletableFuture<String>> running =
      Collections.synchronizedList(new ArrayList<>());

  private CompletableFuture<String> submit(FairUpstream fair, String caller, String call,
      long deadline) {
    return fair.submit(caller, deadline, () -> {
      started.add(call);
      CompletableFuture<String> answer = new CompletableFuture<>();
      running.add(answer);
      return answer;
    });
  }

  private void finishOldest() {
    running.remove(0).complete("done");
  }

  @Test
  void aCallerWithManyCallsWaitingDelaysAnotherByOneTurnNotByAll() {
    FairUpstream fair = new FairUpstream(1, 1, 100, now::get);
    for (int i = 0; i < 10; i++) {
      submit(fair, "flood", "flood-" + i, Long.MAX_VALUE);
    }
    submit(fair, "alice", "alice", Long.MAX_VALUE);

    finishOldest();

    assertThat(started).containsExactly("flood-0", "alice");
  }

  @Test
  void oneCallerNeverHoldsEverySlot() {
    FairUpstream fair = new FairUpstream(8, 4, 100, now::get);
    for (int i = 0; i < 50; i++) {
      submit(fair, "flood", "flood-" + i, Long.MAX_VALUE);
    }
    submit(fair, "alice", "alice", Long.MAX_VALUE);

    assertThat(started).hasSize(5).contains("alice");
    assertThat(fair.running()).isEqualTo(5);
  }

  @Test
  void aCallBeyondTheCallersShareFailsAtOnce() {
    FairUpstream fair = new FairUpstream(1, 1, 3, now::get);
    for (int i = 0; i < 3; i++) {
      submit(fair, "flood", "flood-" + i, Long.MAX_VALUE);
    }

    CompletableFuture<String> refused = submit(fair, "flood", "flood-3", Long.MAX_VALUE);
    CompletableFuture<String> other = submit(fair, "alice", "alice", Long.MAX_VALUE);

    assertThat(refused).isCompletedExceptionally();
    Assertions.assertThatThrownBy(refused::join).hasCauseInstanceOf(FairUpstream.CallerBusy.class);
    assertThat(other).isNotCompletedExceptionally();
  }

  @Test
  void aCallWhoseDeadlinePassedWhileWaitingIsDroppedNotRun() {
    FairUpstream fair = new FairUpstream(1, 1, 100, now::get);
    submit(fair, "a", "first", Long.MAX_VALUE);
    CompletableFuture<String> late = submit(fair, "a", "late", 1_000);
    submit(fair, "a", "third", Long.MAX_VALUE);

    now.set(2_000);
    finishOldest();

    assertThat(started).containsExactly("first", "third");
    Assertions.assertThatThrownBy(late::join).isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(TimeoutException.class);
  }

  @Test
  void aCallGivenUpWhileWaitingIsNotRun() {
    FairUpstream fair = new FairUpstream(1, 1, 100, now::get);
    submit(fair, "a", "first", Long.MAX_VALUE);
    CompletableFuture<String> abandoned = submit(fair, "a", "abandoned", Long.MAX_VALUE);
    submit(fair, "a", "third", Long.MAX_VALUE);

    abandoned.cancel(false);
    finishOldest();

    assertThat(started).containsExactly("first", "third");
  }

  @Test
  void callsThatAnswerAtOnceDrainTheQueueWithoutDeepRecursion() {
    FairUpstream fair = new FairUpstream(1, 1, 100_000, now::get);
    List<CompletableFuture<String>> answers = new ArrayList<>();
    CompletableFuture<String> gate = new CompletableFuture<>();
    answers.add(fair.submit("a", Long.MAX_VALUE, () -> gate));
    for (int i = 0; i < 50_000; i++) {
      answers.add(fair.submit("a", Long.MAX_VALUE, () -> CompletableFuture.completedFuture("x")));
    }

    gate.complete("x");

    assertThat(answers).allSatisfy(answer -> assertThat(answer).isCompletedWithValue("x"));
    assertThat(fair.running()).isZero();
  }
}
