package io.opendatahub.mlflow.webhook.server;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * A total deadline for receiving a request. The idle timeout restarts on every byte, so a sender
 * trickling one byte at a time would hold a connection, a buffer and a share of the body budget
 * for ever; this cuts it off whatever its pace:
 *
 * <ul>
 *   <li>a new connection must deliver its first request's headers and body within the deadline
 *       of opening (the TLS handshake has its own timeout);
 *   <li>a later request on the same connection must deliver its body within the deadline of its
 *       headers, and its headers within the idle timeout plus the deadline of the previous
 *       answer (a keep-alive connection may rest, within the idle timeout, before it sends);
 *   <li>past the deadline an unfinished request gets 408 (unless already answered) and its
 *       connection is closed (HTTP/2: the stream is cancelled); a connection without a request
 *       is closed.
 * </ul>
 *
 * One instance per server, so each is used by one event loop only.
 */
final class ReceiveDeadline {

  private final Vertx vertx;
  private final long deadlineMillis;
  private final long restMillis;
  private final JsonReplies replies;
  private final Map<HttpConnection, Connection> connections = new HashMap<>();

  /** What is known of one connection. */
  private static final class Connection {
    final long openedNanos = System.nanoTime();
    boolean servedOne;
    int inFlight;
    long headerTimer = -1;
  }

  ReceiveDeadline(Vertx vertx, Duration deadline, Duration idleTimeout, JsonReplies replies) {
    this.vertx = vertx;
    this.deadlineMillis = Math.max(1, deadline.toMillis());
    this.restMillis = idleTimeout.toMillis();
    this.replies = replies;
  }

  /** For the server's connection handler. */
  void opened(HttpConnection connection) {
    Connection state = new Connection();
    connections.put(connection, state);
    awaitHeaders(connection, state, deadlineMillis);
    connection.closeHandler(closed -> {
      Connection gone = connections.remove(connection);
      if (gone != null) {
        vertx.cancelTimer(gone.headerTimer);
      }
    });
  }

  /** The first handler of every route: starts the clock on the request's body. */
  void received(RoutingContext context) {
    HttpServerRequest request = context.request();
    Connection state = connections.get(request.connection());
    long remaining = deadlineMillis;
    if (state != null) {
      vertx.cancelTimer(state.headerTimer);
      if (!state.servedOne) {
        remaining -= (System.nanoTime() - state.openedNanos) / 1_000_000;
      }
      state.servedOne = true;
      state.inFlight++;
    }
    long timer = vertx.setTimer(Math.max(1, remaining), fired -> {
      // Also when already answered (a refused body being read and dropped).
      if (!request.isEnded()) {
        replies.cutOff(context, 408, "the request was not received within "
            + deadlineMillis + " ms; send the whole request at once");
      }
    });
    context.addEndHandler(ended -> {
      if (request.isEnded()) {
        vertx.cancelTimer(timer);
      }
      if (state != null && --state.inFlight == 0 && connections.containsKey(request.connection())) {
        awaitHeaders(request.connection(), state, restMillis + deadlineMillis);
      }
    });
    context.next();
  }

  private void awaitHeaders(HttpConnection connection, Connection state, long millis) {
    state.headerTimer = vertx.setTimer(millis, fired -> {
      if (state.inFlight == 0) {
        connection.close();
      }
    });
  }
}
