package io.opendatahub.mlflow.webhook.testing;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.net.PemTrustOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;

/** A real TLS client that trusts only the test CA and checks the host name. */
public final class HttpsClient implements AutoCloseable {

  private final HttpClient client;
  private final Context context;

  public HttpsClient(Vertx vertx, Path caCert, int port) {
    this(vertx, caCert, port, true);
  }

  /**
   * @param keepAlive false for servers with a short idle timeout: a pooled connection the
   *     server closes just as the client reuses it fails the request ("Connection was closed")
   */
  public HttpsClient(Vertx vertx, Path caCert, int port, boolean keepAlive) {
    this(vertx, caCert, port, keepAlive, options -> { });
  }

  /** @param more further client settings, such as a client certificate */
  public HttpsClient(Vertx vertx, Path caCert, int port, boolean keepAlive,
      java.util.function.Consumer<HttpClientOptions> more) {
    this.context = vertx.getOrCreateContext();
    HttpClientOptions options = new HttpClientOptions()
        .setKeepAlive(keepAlive)
        .setSsl(true)
        .setVerifyHost(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(caCert.toString()))
        .setDefaultHost("localhost")
        .setDefaultPort(port);
    more.accept(options);
    this.client = vertx.createHttpClient(options);
  }

  /**
   * Sends from an event-loop context: a chain started on a test thread can see the response end
   * before it asks for the body, and then waits for a body that never comes.
   */
  public Future<Reply> send(HttpMethod method, String path, String contentType, byte[] body) {
    return sendWith(method, path,
        contentType == null ? Map.of() : Map.of("Content-Type", contentType), body);
  }

  public Future<Reply> sendWith(HttpMethod method, String path, Map<String, String> headers,
      byte[] body) {
    return Future.future(promise -> context.runOnContext(ignored ->
        exchange(method, path, headers, body).onComplete(promise)));
  }

  private Future<Reply> exchange(HttpMethod method, String path, Map<String, String> headers,
      byte[] body) {
    return client.request(method, path).compose(request -> {
      headers.forEach(request::putHeader);
      return body == null ? request.send() : request.send(Buffer.buffer(body));
    }).compose(response -> response.body().map(b ->
        new Reply(response.statusCode(), response.getHeader("Content-Type"), b.toString())));
  }

  public Reply post(String path, byte[] body) {
    return await(send(HttpMethod.POST, path, "application/json", body));
  }

  public Reply get(String path) {
    return await(send(HttpMethod.GET, path, null, null));
  }

  public static <T> T await(Future<T> future) {
    return await(future, Duration.ofSeconds(20));
  }

  /** The same with a bound of its own, for bursts a loaded machine takes long to serve. */
  public static <T> T await(Future<T> future, Duration bound) {
    try {
      return future.toCompletionStage().toCompletableFuture()
          .get(bound.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    client.close();
  }

  /** An HTTP answer. */
  public record Reply(int status, String contentType, String body) {
    public JsonNode json() {
      return Fixtures.JSON.readTree(body);
    }

    public JsonNode response() {
      return json().path("response");
    }
  }
}
