package io.opendatahub.mlflow.webhook.server;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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
 * One instance per server, so each is used by one event loop only. Each connection has at most
 * two timers, re-armed only when they fire: a timer set and cancelled for every request was ~5%
 * of a small review's CPU in a profile under load (issue 19). Deadlines only move later (the
 * headers' with each answer, the bodies' with each request), so a timer that fires before the
 * current deadline sets itself again for the rest.
 */
final class ReceiveDeadline {

  private final Vertx vertx;
  private final long deadlineNanos;
  private final long restNanos;
  private final long deadlineMillis;
  private final JsonReplies replies;
  private final Map<HttpConnection, Connection> connections = new HashMap<>();

  /**
   * A request being received, and when it must have been. What else tracks the request extends
   * it ({@link Exchange}), so that the deadline costs no object of its own per request.
   */
  static class Receiving {
    final HttpServerRequest request;
    /**
     * The clock when the request arrived, read once per request by whoever made this: the
     * deadline starts here, and a request refused unread is timed from here.
     */
    final long arrivedNanos;
    private long dueNanos;
    /** Null when the connection is unknown: then {@link #timer} is the request's own. */
    private Connection connection;
    private long timer = -1;

    Receiving(HttpServerRequest request, long arrivedNanos) {
      this.request = request;
      this.arrivedNanos = arrivedNanos;
    }
  }

  /** What is known of one connection. */
  private final class Connection {
    final HttpConnection connection;
    final long openedNanos = System.nanoTime();
    boolean servedOne;
    int inFlight;
    /** When the connection is closed if it has no request by then. */
    long headersDueNanos;
    long headerTimer = -1;
    /** Requests not yet fully received, oldest first: their deadlines never decrease. */
    final ArrayDeque<Receiving> receiving = new ArrayDeque<>();
    long bodyTimer = -1;

    Connection(HttpConnection connection) {
      this.connection = connection;
    }

    void awaitHeaders(long dueNanos) {
      headersDueNanos = dueNanos;
      if (headerTimer < 0) {
        headerTimer = vertx.setTimer(millisUntil(dueNanos), fired -> headersDue());
      }
    }

    private void headersDue() {
      headerTimer = -1;
      if (inFlight > 0 || !connections.containsKey(connection)) {
        return; // the answer sets the next header deadline
      }
      if (System.nanoTime() - headersDueNanos >= 0) {
        connection.close();
      } else {
        awaitHeaders(headersDueNanos);
      }
    }

    void receiving(Receiving request) {
      receiving.addLast(request);
      if (bodyTimer < 0) {
        bodyTimer = vertx.setTimer(millisUntil(request.dueNanos), fired -> bodiesDue());
      }
    }

    private void bodiesDue() {
      bodyTimer = -1;
      long now = System.nanoTime();
      Receiving oldest;
      while ((oldest = receiving.peekFirst()) != null && now - oldest.dueNanos >= 0) {
        receiving.pollFirst();
        cutOffUnreceived(oldest.request);
      }
      if (oldest != null) {
        bodyTimer = vertx.setTimer(millisUntil(oldest.dueNanos), fired -> bodiesDue());
      }
    }

    void closed() {
      vertx.cancelTimer(headerTimer);
      vertx.cancelTimer(bodyTimer);
      receiving.clear();
    }
  }

  ReceiveDeadline(Vertx vertx, Duration deadline, Duration idleTimeout, JsonReplies replies) {
    this.vertx = vertx;
    this.deadlineMillis = Math.max(1, deadline.toMillis());
    this.deadlineNanos = TimeUnit.MILLISECONDS.toNanos(deadlineMillis);
    this.restNanos = idleTimeout.toNanos();
    this.replies = replies;
  }

  /** For the server's connection handler. */
  void opened(HttpConnection connection) {
    Connection state = new Connection(connection);
    connections.put(connection, state);
    state.awaitHeaders(state.openedNanos + deadlineNanos);
    connection.closeHandler(closed -> {
      Connection gone = connections.remove(connection);
      if (gone != null) {
        gone.closed();
      }
    });
  }

  /**
   * For a router's first handler: starts the clock on the request, and stops it when the
   * request's answer ends or its connection closes.
   */
  void received(RoutingContext context) {
    Receiving receiving = new Receiving(context.request(), System.nanoTime());
    received(receiving);
    context.addEndHandler(ended -> ended(receiving));
    context.next();
  }

  /**
   * Starts the clock on a request that just arrived (at {@link Receiving#arrivedNanos}); call
   * {@link #ended} once, when its answer has ended or its connection closed.
   */
  void received(Receiving receiving) {
    long arrived = receiving.arrivedNanos;
    HttpServerRequest request = receiving.request;
    Connection state = connections.get(request.connection());
    if (state == null) {
      receiving.timer = vertx.setTimer(deadlineMillis, fired -> cutOffUnreceived(request));
      return;
    }
    long due = state.servedOne ? arrived + deadlineNanos : state.openedNanos + deadlineNanos;
    // At least a millisecond, as a timer would give it.
    receiving.dueNanos = arrived - due > -1_000_000 ? arrived + 1_000_000 : due;
    receiving.connection = state;
    state.servedOne = true;
    state.inFlight++;
    state.receiving(receiving);
  }

  /** The request's answer has ended or its connection closed. */
  void ended(Receiving receiving) {
    HttpServerRequest request = receiving.request;
    Connection state = receiving.connection;
    if (state == null) {
      if (request.isEnded()) {
        vertx.cancelTimer(receiving.timer);
      }
      return;
    }
    if (request.isEnded()) {
      state.receiving.remove(receiving);
    }
    // Otherwise left to its deadline: a refused body is still being read and dropped.
    if (--state.inFlight == 0 && connections.containsKey(request.connection())) {
      state.awaitHeaders(System.nanoTime() + restNanos + deadlineNanos);
    }
  }

  private void cutOffUnreceived(HttpServerRequest request) {
    // Also when already answered (a refused body being read and dropped).
    if (!request.isEnded()) {
      replies.cutOff(request, 408, "the request was not received within "
          + deadlineMillis + " ms; send the whole request at once");
    }
  }

  private static long millisUntil(long dueNanos) {
    long nanos = dueNanos - System.nanoTime();
    return Math.max(1, (nanos + 999_999) / 1_000_000);
  }
}
