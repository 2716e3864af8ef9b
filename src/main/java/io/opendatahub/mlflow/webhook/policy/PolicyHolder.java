package io.opendatahub.mlflow.webhook.policy;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/** The policy in force. Decisions read one snapshot each; a reload swaps it atomically. */
public final class PolicyHolder implements Supplier<Policy> {

  private final AtomicReference<Policy> current;

  public PolicyHolder(Policy initial) {
    this.current = new AtomicReference<>(initial);
  }

  @Override
  public Policy get() {
    return current.get();
  }

  public void replace(Policy next) {
    current.set(next);
  }
}
