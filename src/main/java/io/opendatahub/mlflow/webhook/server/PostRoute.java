package io.opendatahub.mlflow.webhook.server;

/**
 * A POST path served without Vert.x Web's router: its body limit and its endpoint.
 *
 * @param path exactly as the request line names it (the query aside)
 * @param limit bytes of body at most; larger ones get 413 without being buffered
 */
record PostRoute(String path, long limit, PostEndpoint endpoint) {}
