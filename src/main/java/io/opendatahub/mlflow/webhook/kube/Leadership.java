package io.opendatahub.mlflow.webhook.kube;

import java.util.function.Consumer;

/**
 * Whether this replica leads: holds the Lease, and so does the cluster writes that must be done
 * once (bindings, policy reports, Events). Every replica answers admission and queries.
 */
public interface Leadership {

  /** Whether this replica leads now. */
  boolean leading();

  /**
   * Tells {@code listener} every time this replica starts ({@code true}) or stops
   * ({@code false}) leading, on the Lease's thread: the listener only records or schedules.
   */
  void onLeadingChange(Consumer<Boolean> listener);

  /** Leads always or never, whatever happens: one replica without a Lease, a test, a bench. */
  static Leadership constant(boolean leading) {
    return new Leadership() {
      @Override
      public boolean leading() {
        return leading;
      }

      @Override
      public void onLeadingChange(Consumer<Boolean> listener) {
        // nothing ever changes
      }
    };
  }
}
