package io.opendatahub.mlflow.webhook.reload;

import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.policy.PolicyException;
import io.opendatahub.mlflow.webhook.policy.PolicyHolder;
import io.opendatahub.mlflow.webhook.policy.PolicyLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies policy file changes without a restart. Polls the policy location (a ConfigMap mount
 * swaps a {@code ..data} symlink, which file-change events report poorly) and reloads only when
 * the content hash changes. A policy that fails to load never replaces the one in force: the
 * failure is logged once per distinct content and counted.
 *
 * <p>A poll hashes the files only when their {@link FileStamps} changed, one was modified in
 * the last {@link #RECENT}, or {@link #HASH_EVERY} polls have passed since the last hash.
 * Listing, reading and hashing the shipped policy on every poll took 0.8-0.9 ms of CPU, then
 * polling every 500 ms, on the core the event loop serves requests on (BENCHMARKS.md, issue 19).
 * The periodic hash catches what a stamp cannot: a rewrite in place that keeps the size and
 * sets the old modification time back.
 */
public final class PolicyReloader implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PolicyReloader.class);

  /** Longer than any file system's timestamp granularity (FAT's 2 s is the coarsest). */
  static final Duration RECENT = Duration.ofSeconds(3);

  /** 30 s at the service's 2 s poll. */
  static final int HASH_EVERY = 15;

  /** What the reloader reports; implemented by the metrics. */
  public interface Listener {
    void reloaded(Policy policy);

    void rejected(String reason);
  }

  private final Path location;
  private final PolicyHolder holder;
  private final PolicyLoader loader;
  private final Listener listener;
  private final Poller poller;
  private String seen;
  /** What the last hash was taken after; null before the first or when unreadable. */
  private FileStamps hashed;
  private int pollsSinceHash;

  public PolicyReloader(Path location, PolicyHolder holder, PolicyLoader loader, Listener listener) {
    this.location = location;
    this.holder = holder;
    this.loader = loader;
    this.listener = listener;
    this.seen = holder.get().hash();
    this.poller = new Poller("policy-reloader", this::check, LOG);
  }

  public void start(Duration interval) {
    poller.start(interval);
  }

  /** One poll: reload if the content changed. Public so tests can step it without waiting. */
  public void check() {
    FileStamps now = hashed == null ? null : hashed.restat();
    if (now != null && now.equals(hashed) && ++pollsSinceHash < HASH_EVERY
        && !now.modifiedWithin(RECENT, Instant.now())) {
      return;
    }
    // Stamped before the files are read: a write that lands during the read changes the next
    // poll's stamps, so it is hashed then.
    hashed = stamps();
    pollsSinceHash = 0;
    String fingerprint;
    try {
      fingerprint = loader.fingerprint(location);
    } catch (PolicyException e) {
      reject("unreadable:" + e.getMessage(), e.getMessage());
      return;
    }
    if (fingerprint.equals(seen)) {
      return;
    }
    try {
      Policy next = loader.load(location);
      seen = next.hash();
      Policy previous = holder.get();
      holder.replace(next);
      LOG.info("policy '{}' reloaded from {} (sha256 {}, was {})", next.name(), next.source(),
          next.hash(), previous.hash());
      listener.reloaded(next);
    } catch (PolicyException e) {
      reject(fingerprint, e.getMessage());
    }
  }

  private FileStamps stamps() {
    try {
      return FileStamps.of(location);
    } catch (IOException e) {
      return null; // the hash's read says what is wrong, in its words
    }
  }

  private void reject(String fingerprint, String reason) {
    if (fingerprint.equals(seen)) {
      return;
    }
    seen = fingerprint;
    LOG.error("policy change rejected, still enforcing sha256 {}: {}", holder.get().hash(), reason);
    listener.rejected(reason);
  }

  @Override
  public void close() {
    poller.close();
  }
}
