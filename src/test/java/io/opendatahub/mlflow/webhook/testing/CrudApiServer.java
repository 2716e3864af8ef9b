package io.opendatahub.mlflow.webhook.testing;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.fabric8.mockwebserver.internal.MockDispatcher;
import io.fabric8.mockwebserver.internal.SimpleRequest;
import java.lang.reflect.Field;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;

/**
 * fabric8's CRUD mock API server (8.0.0) without its watch-close deadlock.
 *
 * <p>Its {@code WatchEventsListener.onClosed} runs on the mock's event loop and waits for the
 * watch's send executor to finish, while a send still queued there waits for a write that only
 * that event loop can complete. A watch closed with events still queued to it so stalls the mock
 * for 30 s (the send's write timeout); a test tearing down then meets "Unable to close
 * MockWebServer", and a starting service waits ~17.5 s for its caches. Here the watch listener's
 * close and failure callbacks run on a thread of their own, so the event loop finishes the
 * queued writes and the wait ends as soon as they are written.
 *
 * <p>The same callback shuts the send executor down before it forgets the watch, so a write
 * arriving in between is rejected inside the dispatcher and its client never gets an answer
 * (10 s, the client's request timeout). Here the watch is forgotten first, under the dispatcher's
 * write lock, which every write holds while it hands out its events. Both fields are private in
 * fabric8 8.0.0, so they are read reflectively; a later fabric8 that renames them fails every
 * CRUD-mock test at once with a message naming this class.
 */
public final class CrudApiServer {

  private CrudApiServer() {}

  /**
   * A started CRUD mock API server over plain HTTP. Like fabric8's {@code crud = true} mode it
   * answers a request from {@code server.expect()} while an expectation for it is left, and from
   * its store otherwise.
   */
  public static KubernetesMockServer start() {
    return start(new Dispatcher());
  }

  /** The same on a decorated dispatcher. */
  public static KubernetesMockServer start(Dispatcher dispatcher) {
    KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(),
        dispatcher.expectations, dispatcher, false);
    server.init();
    return server;
  }

  /** fabric8's CRUD dispatcher whose watches close off the event loop; open for decoration. */
  public static class Dispatcher extends KubernetesCrudDispatcher {

    private final Map<ServerRequest, Queue<ServerResponse>> expectations;
    private final MockDispatcher expected;

    public Dispatcher() {
      this.expectations = new HashMap<>();
      this.expected = new MockDispatcher(expectations);
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      Queue<ServerResponse> left = expectations.get(
          new SimpleRequest(HttpMethod.valueOf(request.getMethod()), request.getPath()));
      return left != null && !left.isEmpty() ? expected.dispatch(request)
          : super.dispatch(request);
    }

    private final ExecutorService closer = Executors.newCachedThreadPool(runnable -> {
      Thread thread = new Thread(runnable, "mock-watch-close");
      thread.setDaemon(true);
      return thread;
    });
    private final Set<?> watches = privateField("watchEventListeners", Set.class);
    private final Lock writeLock = privateField("lock", ReadWriteLock.class).writeLock();

    private <T> T privateField(String name, Class<T> type) {
      try {
        Field field = KubernetesCrudDispatcher.class.getDeclaredField(name);
        field.setAccessible(true);
        return type.cast(field.get(this));
      } catch (ReflectiveOperationException | RuntimeException e) {
        throw new IllegalStateException("CrudApiServer needs KubernetesCrudDispatcher's private "
            + "field " + name + " (fabric8 8.0.0); see its comment", e);
      }
    }

    private void forget(WebSocketListener watch) {
      writeLock.lock();
      try {
        watches.remove(watch);
      } finally {
        writeLock.unlock();
      }
    }

    @Override
    public MockResponse handleWatch(String path) {
      MockResponse response = super.handleWatch(path);
      WebSocketListener listener = response.getWebSocketListener();
      return listener == null ? response
          : response.withWebSocketUpgrade(new ClosedOffTheEventLoop(listener, this));
    }

    @Override
    public void releaseResources() {
      expected.releaseResources();
      super.releaseResources();
      closer.shutdown();
    }
  }

  private static final class ClosedOffTheEventLoop extends WebSocketListener {

    private final WebSocketListener delegate;
    private final Dispatcher dispatcher;

    ClosedOffTheEventLoop(WebSocketListener delegate, Dispatcher dispatcher) {
      this.delegate = delegate;
      this.dispatcher = dispatcher;
    }

    @Override
    public void onBeforeAccept(WebSocket webSocket, Response response) {
      delegate.onBeforeAccept(webSocket, response);
    }

    @Override
    public void onOpen(WebSocket webSocket, Response response) {
      delegate.onOpen(webSocket, response);
    }

    @Override
    public void onMessage(WebSocket webSocket, String text) {
      delegate.onMessage(webSocket, text);
    }

    @Override
    public void onMessage(WebSocket webSocket, byte[] bytes) {
      delegate.onMessage(webSocket, bytes);
    }

    @Override
    public void onPing(WebSocket webSocket, byte[] bytes) {
      delegate.onPing(webSocket, bytes);
    }

    @Override
    public void onClosing(WebSocket webSocket, int code, String reason) {
      delegate.onClosing(webSocket, code, reason);
    }

    @Override
    public void onClosed(WebSocket webSocket, int code, String reason) {
      dispatcher.forget(delegate);
      dispatcher.closer.execute(() -> delegate.onClosed(webSocket, code, reason));
    }

    @Override
    public void onFailure(WebSocket webSocket, Throwable failure, Response response) {
      dispatcher.forget(delegate);
      dispatcher.closer.execute(() -> delegate.onFailure(webSocket, failure, response));
    }
  }
}
