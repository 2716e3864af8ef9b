package io.opendatahub.mlflow.webhook.server;

/**
 * A POST path served without Vert.x Web's router: its body limit and its endpoint.
 *
 * @param path exactly as the request line names it (the query aside)
 * @param limit bytes of body at most, and at most what one array holds; larger bodies get 413
 *     without being buffered
 */
record PostRoute(String path, long limit, PostEndpoint endpoint) {

  /** The largest array a JVM reliably allocates: a body is received into one. */
  static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

  PostRoute {
    limit = Math.min(limit, MAX_ARRAY);
  }
}
