package io.opendatahub.mlflow.webhook.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * A closed-loop HTTPS load generator: {@code connections} keep-alive connections, each sending
 * the next request as soon as the previous answer arrives, for a fixed time. Latency goes into
 * an HdrHistogram; non-2xx answers count as errors.
 */
final class LoadGenerator {

  record Result(String name, long requests, long errors, double seconds, Histogram latency) {
    double perSecond() {
      return requests / seconds;
    }

    double millis(double percentile) {
      return latency.getValueAtPercentile(percentile) / 1_000_000.0;
    }
  }

  private final Vertx vertx;
  private final Path caCert;
  private final int connections;

  LoadGenerator(Vertx vertx, Path caCert, int connections) {
    this.vertx = vertx;
    this.caCert = caCert;
    this.connections = connections;
  }

  /** One kind of request in a mixed load. */
  record Request(String path, byte[] body, Map<String, String> headers) {}

  Result run(String name, int port, String path, byte[] body, Map<String, String> headers,
      Duration duration) throws Exception {
    return run(name, port, List.of(new Request(path, body, headers)), duration);
  }

  /** Connection {@code i} sends its requests in turn, starting at request {@code i}. */
  Result run(String name, int port, List<Request> mix, Duration duration) throws Exception {
    HttpClient client = vertx.createHttpClient(new HttpClientOptions()
        .setSsl(true).setKeepAlive(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(caCert.toString()))
        .setDefaultHost("localhost").setDefaultPort(port),
        new PoolOptions().setHttp1MaxSize(connections));
    Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
    AtomicLong requests = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    long deadline = System.nanoTime() + duration.toNanos();
    long started = System.nanoTime();
    List<Future<Void>> loops = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      Promise<Void> done = Promise.promise();
      AtomicLong turn = new AtomicLong(i);
      vertx.runOnContext(v -> loop(client, mix, turn, deadline, histogram, requests, errors,
          done));
      loops.add(done.future());
    }
    Future.all(loops).toCompletionStage().toCompletableFuture()
        .get(duration.toSeconds() + 30, TimeUnit.SECONDS);
    double seconds = (System.nanoTime() - started) / 1e9;
    client.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return new Result(name, requests.get(), errors.get(), seconds, histogram);
  }

  private void loop(HttpClient client, List<Request> mix, AtomicLong turn, long deadline,
      Histogram histogram, AtomicLong requests, AtomicLong errors, Promise<Void> done) {
    if (System.nanoTime() >= deadline) {
      done.complete();
      return;
    }
    Request next = mix.get((int) (turn.getAndIncrement() % mix.size()));
    long sent = System.nanoTime();
    client.request(HttpMethod.POST, next.path()).compose(request -> {
      next.headers().forEach(request::putHeader);
      return request.send(Buffer.buffer(next.body()));
    }).compose(response -> response.body().map(b -> response.statusCode()))
        .onComplete(outcome -> {
          long elapsed = System.nanoTime() - sent;
          synchronized (histogram) {
            histogram.recordValue(Math.min(elapsed, histogram.getHighestTrackableValue()));
          }
          requests.incrementAndGet();
          if (outcome.failed() || outcome.result() / 100 != 2) {
            errors.incrementAndGet();
          }
          loop(client, mix, turn, deadline, histogram, requests, errors, done);
        });
  }
}
