package io.opendatahub.mlflow.webhook.server;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * One request on the main port, from its headers until its answer has ended or its connection
 * closed: the receive deadline's entry, and for a POST to an endpoint its body, received into one
 * array, and the body's charge to the {@link BodyBudget}. One object per request, so that the
 * per-request bookkeeping allocates as little as it can (issue 19).
 *
 * <p>Used on its request's event loop only, apart from {@link #clientGone}; that is why the
 * counts are plain fields.
 */
final class Exchange extends ReceiveDeadline.Receiving implements Handler<Buffer> {

  /** Without a declared length, a body's array starts this large and doubles up to the limit. */
  private static final int UNDECLARED_START = 1024;

  private final PostFront front;
  private final Context context;
  private PostRoute route;
  /** Bytes charged to the budget; 0 when none. */
  private long charged;
  /** The request, and any work still reading the body off the event loop. */
  private int holders;
  private boolean finished;
  /** Null until the body's first chunk, and for a request without one. */
  private byte[] body;
  /** The body's declared length, or where an undeclared one's array starts. */
  private int expected;
  private int received;
  /** Whether the body grew past its limit while being received. */
  private boolean refused;
  /** Whether the body's length was declared: then it may not grow past it. */
  private boolean declared;

  Exchange(PostFront front, HttpServerRequest request, Context context, long arrivedNanos) {
    super(request, arrivedNanos);
    this.front = front;
    this.context = context;
  }

  HttpServerRequest request() {
    return request;
  }

  HttpServerResponse response() {
    return request.response();
  }

  /** The body as received; null when the request has none. */
  byte[] body() {
    return body;
  }

  /** The request's event-loop context: where answers computed elsewhere come back. */
  Context context() {
    return context;
  }

  /** Whether the client hung up before its answer; may be asked from any thread. */
  boolean clientGone() {
    return response().closed();
  }

  /** For the answer's end and the connection's close: whichever comes first. */
  void finish() {
    if (finished) {
      return;
    }
    finished = true;
    front.ended(this);
    release();
  }

  /** The body was charged {@code bytes}; given back when the request and every holder are done. */
  void charged(PostRoute route, long bytes) {
    this.route = route;
    this.charged = bytes;
    this.holders = 1;
  }

  PostRoute route() {
    return route;
  }

  /**
   * Receives the body into an array of its declared length, or growing up to the limit. A
   * declared body that arrives in one chunk is not copied: the chunk's own array becomes the body.
   */
  void receive(long declaredLength) {
    declared = declaredLength >= 0;
    expected = (int) (declared ? declaredLength : Math.min(route.limit(), UNDECLARED_START));
    // Not resume(): the request is flowing already, and resume() queues a task on the event loop
    // (~1% of a small review's CPU in a profile).
    request.handler(this);
    request.endHandler(ended -> front.received(this));
  }

  /** A request without a body to read: the endpoint gets null, as Vert.x Web handed it. */
  void noBody() {
    body = null;
  }

  @Override
  public void handle(Buffer chunk) {
    if (refused) {
      return; // the rest is dropped
    }
    int length = chunk.length();
    if (body == null) {
      if (declared && length == expected) {
        body = WholeChunks.array(chunk);
        if (body != null) {
          received = length;
          return;
        }
      }
      body = new byte[expected];
    }
    if (received + length > body.length) {
      long needed = (long) received + length;
      if (needed > route.limit() || declared) {
        // Past its declared length (Netty's HTTP codecs stop that first; never charged for it).
        body = null;
        refused = true;
        front.tooLarge(this);
        return;
      }
      body = Arrays.copyOf(body, (int) Math.min(route.limit(),
          Math.max(needed, 2L * body.length)));
    }
    chunk.getBytes(0, length, body, received);
    received += length;
  }

  /** The whole body once received: the array itself when it was filled exactly. */
  byte[] receivedBody() {
    if (body == null) {
      body = new byte[0]; // declared or chunked, but no bytes came
    } else if (received != body.length) {
      body = Arrays.copyOf(body, received);
    }
    return body;
  }

  /** Whether the body was refused while it was being received. */
  boolean refusedMidBody() {
    return refused;
  }

  /**
   * Runs {@code work}, which reads the body, on {@code pool}: a large body read on an event loop
   * would hold every connection of that loop. The body stays charged until the work is done,
   * even when the request ends first (the pool's queue holds the body); work for a client that
   * hung up meanwhile is not run, and the future completes with null. The future completes on
   * the request's event loop.
   */
  <T> Future<T> readOffLoop(Executor pool, Supplier<T> work) {
    if (charged > 0) {
      holders++;
    }
    return Future.fromCompletionStage(CompletableFuture.supplyAsync(
            () -> clientGone() ? null : work.get(), pool), context)
        .andThen(done -> release());
  }

  private void release() {
    if (charged > 0 && --holders == 0) {
      front.budget().give(charged);
    }
  }
}
