package io.opendatahub.mlflow.webhook.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class UnobservedWritesTest {

  private static final Predicate<RoleBinding> ALL = binding -> true;

  private final AtomicLong now = new AtomicLong();
  private final Map<String, RoleBinding> cache = new HashMap<>();
  private final UnobservedWrites writes =
      new UnobservedWrites(Duration.ofSeconds(30), now::get, cache::get);

  private static RoleBinding binding(String namespace, String name, String uid, String version) {
    return new RoleBindingBuilder().withNewMetadata().withNamespace(namespace).withName(name)
        .withUid(uid).withResourceVersion(version).endMetadata().build();
  }

  @Test
  void aCreatedBindingCountsAsPresentBeforeTheCacheHasIt() {
    RoleBinding created = binding("team-a", "b", "u1", "7");
    writes.stored(created);

    assertThat(writes.overlay("team-a", () -> List.of(), ALL)).containsExactly(created);
    assertThat(writes.overlay("team-b", () -> List.of(), ALL)).isEmpty();
  }

  @Test
  void aWriteConfirmedRightAfterTheCacheWasReadIsNotLost() {
    RoleBinding created = binding("team-a", "b", "u1", "7");
    writes.stored(created);

    List<RoleBinding> seen = writes.overlay("team-a", () -> {
      List<RoleBinding> cacheBeforeTheEvent = List.of();
      writes.observed(created, false);
      return cacheBeforeTheEvent;
    }, ALL);

    assertThat(seen).containsExactly(created);
  }

  @Test
  void theCacheIsBelievedAgainOnceItDeliversTheWrite() {
    writes.stored(binding("team-a", "b", "u1", "7"));
    writes.observed(binding("team-a", "b", "u1", "6"), false);
    assertThat(writes.size()).as("an older event does not confirm the write").isEqualTo(1);

    writes.observed(binding("team-a", "b", "u1", "7"), false);

    assertThat(writes.size()).isZero();
    assertThat(writes.overlay("team-a", () -> List.of(), ALL)).isEmpty();
  }

  @Test
  void anUpdateReplacesTheStaleCachedCopy() {
    RoleBinding cached = binding("team-a", "b", "u1", "7");
    RoleBinding repaired = binding("team-a", "b", "u1", "8");
    cache.put("team-a/b", cached);
    writes.stored(repaired);

    assertThat(writes.overlay("team-a", () -> List.of(cached), ALL)).containsExactly(repaired);
  }

  @Test
  void aDeletedBindingIsGoneUntilTheDeleteOfThatObjectIsSeen() {
    RoleBinding cached = binding("team-a", "b", "u1", "7");
    cache.put("team-a/b", cached);
    writes.deleted(cached);
    assertThat(writes.overlay("team-a", () -> List.of(cached), ALL)).isEmpty();

    writes.observed(binding("team-a", "b", "u0", "3"), true);
    assertThat(writes.size()).as("the delete of another object with that name").isEqualTo(1);
    writes.observed(cached, true);

    assertThat(writes.overlay("team-a", () -> List.of(cached), ALL)).containsExactly(cached);
  }

  @Test
  void aRecreateWaitsForTheNewObjectNotTheDeleteOfTheOldOne() {
    RoleBinding old = binding("team-a", "b", "u1", "7");
    RoleBinding recreated = binding("team-a", "b", "u2", "9");
    cache.put("team-a/b", old);
    writes.deleted(old);
    writes.stored(recreated);

    writes.observed(old, true);
    assertThat(writes.overlay("team-a", () -> List.of(), ALL)).containsExactly(recreated);
    writes.observed(recreated, false);
    assertThat(writes.size()).isZero();
  }

  @Test
  void onlyBindingsOfTheAskedAccountAreLaidOver() {
    writes.stored(binding("team-a", "other", "u1", "7"));

    assertThat(writes.overlay("team-a", () -> List.of(), binding -> false)).isEmpty();
  }

  @Test
  void aWriteTheCacheAlreadyHoldsIsNotAwaited() {
    RoleBinding created = binding("team-a", "b", "u1", "7");
    cache.put("team-a/b", created);
    writes.stored(created);
    assertThat(writes.size()).as("the watch event came before the create's answer").isZero();

    cache.remove("team-a/b");
    writes.deleted(created);
    assertThat(writes.size()).as("the delete event came before the delete's answer").isZero();
  }

  @Test
  void anUnconfirmedWriteLapsesAfterThePatience() {
    writes.stored(binding("team-a", "b", "u1", "7"));
    now.addAndGet(Duration.ofSeconds(31).toNanos());

    assertThat(writes.overlay("team-a", () -> List.of(), ALL)).isEmpty();
    assertThat(writes.size()).isZero();
  }
}
