package io.opendatahub.mlflow.webhook.server;

/**
 * An endpoint that takes a POST body: called once the body is received, charged to the budget
 * and of the right media type, on the request's event loop. It answers through the exchange's
 * response, at once or later.
 */
interface PostEndpoint {

  void handle(Exchange exchange);
}
