package io.opendatahub.mlflow.webhook.reload;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.policy.PolicyHolder;
import io.opendatahub.mlflow.webhook.policy.PolicyLoader;
import io.opendatahub.mlflow.webhook.testing.Eventually;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Policy files change under a running service: good changes apply, bad ones never do. */
class PolicyReloaderTest {

  private static final String POLICY = """
      apiVersion: policy.mlflow-webhook.io/v1alpha1
      kind: MLflowPolicy
      metadata: {name: NAME}
      spec:
        environments:
          - name: production
            namespaces: [prod]
          - name: development
            default: true
      """;

  @TempDir Path dir;

  private final List<String> events = new ArrayList<>();
  private PolicyHolder holder;
  private PolicyReloader reloader;

  private static String policy(String name) {
    return POLICY.replace("NAME", name);
  }

  /** Lays the directory out as the kubelet mounts a ConfigMap: files behind a ..data link. */
  private void configMap(String version, String content) throws Exception {
    Path data = Files.createDirectories(dir.resolve("..2026_11_27_" + version));
    Files.writeString(data.resolve("policy.yaml"), content);
    Path link = dir.resolve("..data_tmp");
    Files.deleteIfExists(link);
    Files.createSymbolicLink(link, data.getFileName());
    Files.move(link, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
    if (!Files.exists(dir.resolve("policy.yaml"), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      Files.createSymbolicLink(dir.resolve("policy.yaml"), Path.of("..data/policy.yaml"));
    }
  }

  private void start() throws Exception {
    holder = new PolicyHolder(new PolicyLoader().load(dir));
    reloader = new PolicyReloader(dir, holder, new PolicyLoader(), new PolicyReloader.Listener() {
      @Override
      public void reloaded(Policy policy) {
        events.add("reloaded " + policy.name());
      }

      @Override
      public void rejected(String reason) {
        events.add("rejected " + reason);
      }
    });
  }

  @BeforeEach
  void firstVersion() throws Exception {
    configMap("a", policy("first"));
    start();
  }

  @AfterEach
  void stop() {
    reloader.close();
  }

  @Test
  void aSymlinkSwapOfAValidPolicyApplies() throws Exception {
    configMap("b", policy("second"));

    reloader.check();

    assertThat(holder.get().name()).isEqualTo("second");
    assertThat(events).containsExactly("reloaded second");
  }

  @Test
  void nothingHappensWhileTheContentIsUnchanged() {
    reloader.check();
    reloader.check();

    assertThat(events).isEmpty();
  }

  @Test
  void anInvalidChangeIsRejectedOnceAndTheLastGoodPolicyKeepsServing() throws Exception {
    Policy before = holder.get();
    configMap("b", policy("second").replace("default: true", "default: true\n      colour: red"));

    reloader.check();
    reloader.check();

    assertThat(holder.get()).isSameAs(before);
    assertThat(events).hasSize(1);
    assertThat(events.get(0)).startsWith("rejected " + dir.resolve("policy.yaml") + ":10: field"
        + " spec.environments[1].colour: unknown field 'colour'");
  }

  @Test
  void garbageThenAFixAppliesTheFix() throws Exception {
    configMap("b", "{{{ not yaml");
    reloader.check();
    configMap("c", policy("fixed"));
    reloader.check();

    assertThat(holder.get().name()).isEqualTo("fixed");
    assertThat(events).hasSize(2);
    assertThat(events.get(0)).startsWith("rejected").contains("not valid YAML");
    assertThat(events.get(1)).isEqualTo("reloaded fixed");
  }

  @Test
  void aDeletedPolicyKeepsTheLastGoodOne() throws Exception {
    Policy before = holder.get();
    Files.delete(dir.resolve("policy.yaml"));

    reloader.check();

    assertThat(holder.get()).isSameAs(before);
    assertThat(events).singleElement().asString().contains("no document with kind: MLflowPolicy");
  }

  /** Rewrites the mounted file in place, as an editor or {@code cp} onto it does. */
  private void rewriteInPlace(String content, FileTime modified) throws Exception {
    Path file = dir.resolve("..data/policy.yaml").toRealPath();
    Files.writeString(file, content);
    Files.setLastModifiedTime(file, modified);
  }

  @Test
  void aSecondSameSizeWriteInTheSameClockTickIsSeenAtTheNextPoll() throws Exception {
    // Two writes of the same size inside one tick of the file system's clock leave size, time and
    // inode as they were: the stamp cannot tell them apart, so a fresh file is always hashed.
    FileTime tick = FileTime.from(Instant.now());
    rewriteInPlace(policy("one"), tick);
    reloader.check();
    rewriteInPlace(policy("two"), tick);

    reloader.check();

    assertThat(holder.get().name()).isEqualTo("two");
    assertThat(events).containsExactly("reloaded one", "reloaded two");
  }

  @Test
  void aRewriteThatSetsTheOldTimeBackIsSeenWithinTheHashPeriod() throws Exception {
    // What a copy that preserves times does: same size, same inode, an old modification time.
    FileTime old = FileTime.from(Instant.now().minus(Duration.ofHours(1)));
    rewriteInPlace(policy("first"), old);
    reloader.check();
    rewriteInPlace(policy("other"), old);

    int polls = 0;
    while (!holder.get().name().equals("other") && polls < PolicyReloader.HASH_EVERY) {
      reloader.check();
      polls++;
    }

    assertThat(holder.get().name()).isEqualTo("other");
    assertThat(events).containsExactly("reloaded other");
  }

  @Test
  void theScheduledPollPicksUpAChangeByItself() throws Exception {
    reloader.start(Duration.ofMillis(100));
    configMap("b", policy("polled"));

    String name = Eventually.until(Duration.ofSeconds(10),
        "the poller loads the policy named polled",
        () -> holder.get().name(),
        n -> n.equals("polled"));

    assertThat(name).isEqualTo("polled");
  }
}
