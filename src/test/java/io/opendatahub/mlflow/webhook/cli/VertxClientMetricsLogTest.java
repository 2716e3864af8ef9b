package io.opendatahub.mlflow.webhook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.micrometer.core.instrument.Gauge;
import io.opendatahub.mlflow.webhook.server.WebhookMetrics;
import io.opendatahub.mlflow.webhook.testing.Eventually;
import io.opendatahub.mlflow.webhook.testing.HttpsClient;
import io.opendatahub.mlflow.webhook.testing.LogCapture;
import io.opendatahub.mlflow.webhook.testing.TestCertificates;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The service's HTTP client to the API server opens several connections (informers' watches,
 * reviews): Vert.x counts each in one gauge, and the way it looks that gauge up per connection
 * does not put a warning in the service's log (seen against a real API server, e2e/README.md).
 */
class VertxClientMetricsLogTest {

  static {
    LoggerFactory.getLogger(VertxClientMetricsLogTest.class); // the service's log set-up
  }

  @TempDir Path dir;

  @Test
  void everyClientConnectionIsCountedAndLooksUpItsGaugeWithoutAWarning() {
    TestCertificates certs = TestCertificates.create(dir);
    WebhookMetrics metrics = new WebhookMetrics();
    Vertx vertx = WebhookApp.vertx(metrics);
    // At DEBUG: Micrometer warns once per JVM, then logs the same note at DEBUG, and another
    // test in this JVM may have had the warning already.
    try (LogCapture log = new LogCapture(VertxGaugeLookupFilter.LOGGER, Level.DEBUG)) {
      List<HttpServerResponse> held = new CopyOnWriteArrayList<>();
      HttpServer server = HttpsClient.await(vertx.createHttpServer(new HttpServerOptions()
              .setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
                  .setCertPath(certs.tlsCert().toString()).setKeyPath(certs.tlsKey().toString())))
          .requestHandler(request -> held.add(request.response()))
          .listen(0, "127.0.0.1"));
      HttpClient client = vertx.createHttpClient(new HttpClientOptions().setSsl(true)
              .setTrustOptions(new PemTrustOptions().addCertPath(certs.caCert().toString())),
          new PoolOptions().setHttp1MaxSize(2));

      // Two requests the server holds: two connections open at once.
      List<Future<HttpClientResponse>> responses = List.of(call(client, server), call(client, server));
      assertThat(Eventually.until(Duration.ofSeconds(30), "both requests held open by the server",
          held::size, n -> n == 2)).isEqualTo(2);

      Gauge connections = metrics.registry().find("vertx.http.client.active.connections").gauge();
      assertThat(connections).isNotNull();
      assertThat(connections.value()).isEqualTo(2.0);
      held.forEach(response -> response.end("ok"));
      responses.forEach(response -> assertThat(HttpsClient.await(response).statusCode()).isEqualTo(200));
      assertThat(log.lines()).noneMatch(line -> line.contains("already registered"));
    } finally {
      HttpsClient.await(vertx.close());
    }
  }

  @Test
  void theSameNoteAboutAnyOtherMeterStillShows() {
    WebhookMetrics metrics = new WebhookMetrics();
    try (LogCapture log = new LogCapture(VertxGaugeLookupFilter.LOGGER, Level.DEBUG)) {
      Gauge.builder("mlflow.webhook.test.twice", () -> 1).register(metrics.registry());
      Gauge.builder("mlflow.webhook.test.twice", () -> 2).register(metrics.registry());

      assertThat(log.lines()).anyMatch(line -> line.contains(
          "This Gauge has been already registered (MeterId{name='mlflow.webhook.test.twice'"));
    }
  }

  private static Future<HttpClientResponse> call(HttpClient client, HttpServer server) {
    return client.request(HttpMethod.GET, server.actualPort(), "127.0.0.1", "/")
        .compose(request -> request.send());
  }
}
