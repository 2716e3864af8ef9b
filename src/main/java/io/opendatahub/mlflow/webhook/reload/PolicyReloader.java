package io.opendatahub.mlflow.webhook.reload;

import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.policy.PolicyException;
import io.opendatahub.mlflow.webhook.policy.PolicyHolder;
import io.opendatahub.mlflow.webhook.policy.PolicyLoader;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies policy file changes without a restart. Polls the content hash of the policy location
 * (a ConfigMap mount swaps a {@code ..data} symlink, which file-change events report poorly) and
 * reloads only when it changes. A policy that fails to load never replaces the one in force:
 * the failure is logged once per distinct content and counted.
 */
public final class PolicyReloader implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PolicyReloader.class);

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
