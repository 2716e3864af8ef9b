package io.opendatahub.mlflow.webhook.server;

import io.opendatahub.mlflow.webhook.admission.AdmissionReviewCodec;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/** Writes JSON answers, including the short error bodies every 4xx and 5xx gets. */
final class JsonReplies {

  static final String JSON = "application/json";

  private final AdmissionReviewCodec codec;

  JsonReplies(AdmissionReviewCodec codec) {
    this.codec = codec;
  }

  void ok(RoutingContext context, byte[] body) {
    context.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, JSON)
        .end(Buffer.buffer(body));
  }

  void error(RoutingContext context, int code, String message) {
    if (context.response().ended()) {
      return;
    }
    context.response()
        .setStatusCode(code)
        .putHeader(HttpHeaders.CONTENT_TYPE, JSON)
        .end(Buffer.buffer(codec.error(code, message)));
  }
}
