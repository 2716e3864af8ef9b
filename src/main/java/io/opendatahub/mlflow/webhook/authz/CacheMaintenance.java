package io.opendatahub.mlflow.webhook.authz;

import java.util.concurrent.Executor;

/**
 * Where the authorization caches do their upkeep (draining read and write buffers, expiring and
 * evicting entries): on the thread that reads or writes, not on {@code ForkJoinPool.commonPool()},
 * Caffeine's default. A cache hit on an event loop then hands nothing to another thread: with the
 * common pool, every sixteenth read of a cache woke a pool worker, which cost more CPU than the
 * upkeep it ran (measured in BENCHMARKS.md, issue 19, session 8).
 *
 * <p>A pass does bounded work per read (the read buffers hold a few hundred entries at most); a
 * pass after a long idle spell expires what expired meanwhile, at most the cache's size.
 *
 * <p>Caffeine also hands this executor to an {@code AsyncCache}'s loading functions: the caches
 * here never use it there, since a load only starts an upstream call that runs on the reviewer's
 * own pool ({@link AccessReviewer}: never on an event loop).
 */
final class CacheMaintenance {

  /** Runs the upkeep at once, on the thread that caused it. */
  static final Executor ON_CALLING_THREAD = Runnable::run;

  private CacheMaintenance() {}
}
