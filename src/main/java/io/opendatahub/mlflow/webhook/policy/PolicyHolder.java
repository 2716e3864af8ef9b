package io.opendatahub.mlflow.webhook.policy;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The policy in force. Decisions read one snapshot each; a reload swaps it atomically and tells
 * the listeners (caches that depend on the policy, metrics).
 */
public final class PolicyHolder implements Supplier<Policy> {

  private final AtomicReference<Policy> current;
  private final List<Consumer<Policy>> listeners = new CopyOnWriteArrayList<>();

  public PolicyHolder(Policy initial) {
    this.current = new AtomicReference<>(initial);
  }

  @Override
  public Policy get() {
    return current.get();
  }

  public void replace(Policy next) {
    current.set(next);
    listeners.forEach(listener -> listener.accept(next));
  }

  /** Called after every replacement, on the thread that replaced the policy. */
  public void onChange(Consumer<Policy> listener) {
    listeners.add(listener);
  }
}
