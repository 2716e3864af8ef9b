package io.opendatahub.mlflow.webhook.kube;

import io.fabric8.kubernetes.client.informers.ExceptionHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Informers that never give up on the API server. */
final class Informers {

  private static final Logger LOG = LoggerFactory.getLogger(Informers.class);

  private Informers() {}

  /**
   * By default an informer whose first list fails stops for good: one slow API server answer
   * at start-up would leave the service unready forever while its liveness probe stays green.
   * This one retries with the client's backoff, whatever failed, except for objects it cannot
   * read (retrying cannot fix those).
   */
  static <T> SharedIndexInformer<T> retrying(SharedIndexInformer<T> informer, String what) {
    return informer.exceptionHandler((started, failure) -> retry(what, started, failure));
  }

  /** The decision {@link #retrying} makes, logged: for handlers that decide some cases first. */
  static boolean retry(String what, boolean started, Throwable failure) {
    if (ExceptionHandler.isDeserializationException(failure)) {
      LOG.error("{} informer cannot read an object and stops: {}", what,
          Causes.describe(failure));
      LOG.debug("{} informer failure", what, failure);
      return false;
    }
    // One line per failure and retry; fabric8's own warning (with a stack trace) is kept to
    // errors by LogConfigurator, and the trace is here at DEBUG for whoever needs it.
    LOG.warn("{} informer: {} failed: {}; retrying with backoff", what,
        started ? "watch" : "first list", Causes.describe(failure));
    LOG.debug("{} informer failure", what, failure);
    return true;
  }
}
