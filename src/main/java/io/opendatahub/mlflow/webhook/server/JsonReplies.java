package io.opendatahub.mlflow.webhook.server;

import io.netty.buffer.Unpooled;
import io.opendatahub.mlflow.webhook.admission.AdmissionReviewCodec;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.ext.web.RoutingContext;

/** Writes JSON answers, including the short error bodies every 4xx and 5xx gets. */
final class JsonReplies {

  static final String JSON = "application/json";
  /** {@link #JSON} as bytes once: written into every answer's headers as they are. */
  private static final CharSequence JSON_VALUE = HttpHeaders.createOptimized(JSON);

  /** HTTP/2 CANCEL: the stream is dropped, the connection and its other streams stay. */
  private static final long CANCEL = 0x8;

  /** Reads a refused body and drops it. */
  private static final Handler<Buffer> DROP = dropped -> { };

  private final AdmissionReviewCodec codec;

  JsonReplies(AdmissionReviewCodec codec) {
    this.codec = codec;
  }

  void ok(RoutingContext context, byte[] body) {
    send(context.response(), 200, body);
  }

  void ok(HttpServerResponse response, byte[] body) {
    send(response, 200, body);
  }

  void error(RoutingContext context, int code, String message) {
    error(context.response(), code, message);
  }

  void error(HttpServerResponse response, int code, String message) {
    send(response, code, errorBody(code, message));
  }

  /** The body {@link #error} sends; built apart so it can be built off the event loop. */
  byte[] errorBody(int code, String message) {
    return codec.error(code, message);
  }

  void send(HttpServerResponse response, int code, byte[] body) {
    if (response.ended()) {
      return;
    }
    response
        .setStatusCode(code)
        .putHeader(HttpHeaders.CONTENT_TYPE, JSON_VALUE)
        .end(wrapped(body));
  }

  /**
   * The answer as a buffer over its own bytes: {@link Buffer#buffer(byte[])} copies them, and
   * every answer is a new array the codecs hand over and never touch again.
   */
  private static Buffer wrapped(byte[] body) {
    return BufferInternal.buffer(Unpooled.wrappedBuffer(body));
  }

  void refuse(RoutingContext context, int code, String message) {
    refuse(context.request(), code, message);
  }

  /**
   * Answers a request without buffering its body: the rest of the body is read and dropped.
   * Closing the connection (or resetting the HTTP/2 stream, even with NO_ERROR after the
   * answer) would let clients such as curl report a failure instead of the answer. The request
   * deadline bounds the reading.
   */
  void refuse(HttpServerRequest request, int code, String message) {
    request.handler(DROP);
    request.resume();
    error(request.response(), code, message);
  }

  /**
   * Answers and closes the connection at once, dropping what the client still sends (HTTP/2:
   * cancels the stream): for a client too slow to be waited for.
   */
  void cutOff(HttpServerRequest request, int code, String message) {
    HttpServerResponse response = request.response();
    if (request.version() == HttpVersion.HTTP_2) {
      response.reset(CANCEL);
      return;
    }
    if (response.ended()) {
      request.connection().close();
      return;
    }
    response.putHeader(HttpHeaders.CONNECTION, "close")
        .setStatusCode(code)
        .putHeader(HttpHeaders.CONTENT_TYPE, JSON_VALUE)
        .end(wrapped(errorBody(code, message)))
        .onComplete(written -> request.connection().close());
  }
}
