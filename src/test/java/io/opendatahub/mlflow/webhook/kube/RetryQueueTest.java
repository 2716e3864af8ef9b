package io.opendatahub.mlflow.webhook.kube;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Keys wait once, and failed ones come back with a doubling backoff up to a limit. */
class RetryQueueTest {

  private final ManualWorker worker = new ManualWorker();
  private final List<String> handled = new ArrayList<>();

  @Test
  void aKeyAddedAgainWhileItWaitsIsHandledOnce() {
    RetryQueue queue = new RetryQueue(worker, handled::add, 5, Duration.ofMillis(200));

    queue.add("team-a/runner", Duration.ZERO);
    queue.add("team-a/runner", Duration.ZERO);
    queue.add("team-a/other", Duration.ZERO);
    queue.add("team-a/runner", Duration.ofSeconds(1));
    worker.advance(Duration.ofSeconds(2));

    assertThat(handled).containsExactly("team-a/runner", "team-a/other");

    queue.add("team-a/runner", Duration.ZERO);
    worker.advance(Duration.ZERO);
    assertThat(handled).as("handled again once it has run").hasSize(3);
  }

  @Test
  void aFailingKeyIsRetriedWithADoublingBackoffThenGivenUp() {
    List<Optional<RetryQueue.Retry>> retries = new ArrayList<>();
    RetryQueue[] queue = new RetryQueue[1];
    queue[0] = new RetryQueue(worker, key -> {
      handled.add(key);
      retries.add(queue[0].failed(key));
    }, 5, Duration.ofMillis(200));

    queue[0].add("team-a/runner", Duration.ZERO);
    worker.advance(Duration.ofMinutes(1));

    assertThat(handled).hasSize(5);
    assertThat(retries).containsExactly(
        Optional.of(new RetryQueue.Retry(1, Duration.ofMillis(200))),
        Optional.of(new RetryQueue.Retry(2, Duration.ofMillis(400))),
        Optional.of(new RetryQueue.Retry(3, Duration.ofMillis(800))),
        Optional.of(new RetryQueue.Retry(4, Duration.ofMillis(1600))),
        Optional.empty());
    assertThat(worker.waiting()).as("nothing left scheduled after giving up").isZero();
  }

  @Test
  void aSuccessStartsTheBackoffAfresh() {
    RetryQueue queue = new RetryQueue(worker, handled::add, 5, Duration.ofMillis(200));

    queue.failed("team-a/runner");
    worker.advance(Duration.ofSeconds(1));
    Optional<RetryQueue.Retry> second = queue.failed("team-a/runner");
    worker.advance(Duration.ofSeconds(1));
    queue.succeeded("team-a/runner");

    assertThat(second).contains(new RetryQueue.Retry(2, Duration.ofMillis(400)));
    assertThat(queue.failed("team-a/runner"))
        .contains(new RetryQueue.Retry(1, Duration.ofMillis(200)));
  }
}
