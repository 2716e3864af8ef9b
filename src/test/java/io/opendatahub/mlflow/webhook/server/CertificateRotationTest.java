package io.opendatahub.mlflow.webhook.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.cli.WebhookApp;
import io.opendatahub.mlflow.webhook.testing.Eventually;
import io.opendatahub.mlflow.webhook.testing.HttpsClient;
import io.opendatahub.mlflow.webhook.testing.TestCertificates;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.net.PemTrustOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A rotated certificate is served without a restart; a broken one never is. */
class CertificateRotationTest {

  @TempDir Path dir;

  private Vertx vertx;
  private WebhookApp app;
  private TestCertificates first;
  private TestCertificates second;
  private Path served;
  private CertificateReloader reloader;
  private WebhookMetrics metrics;

  @BeforeEach
  void start() throws Exception {
    first = TestCertificates.create(dir.resolve("first"));
    second = TestCertificates.create(dir.resolve("second"));
    served = Files.createDirectories(dir.resolve("served"));
    install(first.tlsCert(), first.tlsKey());
    metrics = new WebhookMetrics();
    vertx = WebhookApp.vertx(metrics);
    app = HttpsClient.await(WebhookApp.start(vertx, new WebhookServer.Settings("127.0.0.1", 0,
            TlsMaterial.read(served.resolve("tls.crt"), served.resolve("tls.key")), 1024 * 1024),
        TestPolicies.shipped(), null, metrics));
    reloader = app.watchCertificates(served.resolve("tls.crt"), served.resolve("tls.key"),
        Duration.ofHours(1));
  }

  @AfterEach
  void stop() {
    HttpsClient.await(app.stop());
    HttpsClient.await(vertx.close());
  }

  private void install(Path cert, Path key) throws Exception {
    Files.copy(cert, served.resolve("tls.crt.new"), StandardCopyOption.REPLACE_EXISTING);
    Files.copy(key, served.resolve("tls.key.new"), StandardCopyOption.REPLACE_EXISTING);
    Files.move(served.resolve("tls.crt.new"), served.resolve("tls.crt"),
        StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    Files.move(served.resolve("tls.key.new"), served.resolve("tls.key"),
        StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private record Answer(X509Certificate peer, String body) {}

  private Future<X509Certificate> handshake() {
    return exchange("/healthz").map(Answer::peer);
  }

  private String metrics() {
    return HttpsClient.await(exchange("/metrics")).body();
  }

  /** A fresh connection (so a fresh handshake) that trusts both CAs. */
  private Future<Answer> exchange(String path) {
    var client = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setKeepAlive(false)
        .setTrustOptions(new PemTrustOptions().addCertPath(first.caCert().toString())
            .addCertPath(second.caCert().toString()))
        .setDefaultHost("localhost").setDefaultPort(app.port()));
    return Future.<Answer>future(promise -> vertx.getOrCreateContext().runOnContext(v ->
        client.request(HttpMethod.GET, path).compose(request -> request.send()
            .compose(response -> response.body().map(body -> {
              try {
                return new Answer(
                    (X509Certificate) request.connection().peerCertificates().get(0),
                    body.toString());
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            }))).onComplete(promise)))
        .eventually(client::close);
  }

  private String subjectSerial() {
    return HttpsClient.await(handshake()).getSerialNumber().toString();
  }

  private static String serial(Path cert) throws Exception {
    return TlsMaterial.read(cert, cert.resolveSibling("tls.key")).verify(Vertx.vertx())
        .getSerialNumber().toString();
  }

  @Test
  void aRotationUnderLoadLosesNoRequestAndNewHandshakesSeeTheNewCertificate() throws Exception {
    String before = subjectSerial();
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    AtomicReference<String> lastSeen = new AtomicReference<>();
    Thread load = new Thread(() -> {
      while (running.get()) {
        try {
          lastSeen.set(HttpsClient.await(handshake()).getSerialNumber().toString());
          ok.incrementAndGet();
        } catch (RuntimeException e) {
          failed.incrementAndGet();
        }
      }
    });
    load.start();
    // The rotation happens under load: once the load has completed handshakes.
    Eventually.until(Duration.ofSeconds(10), "three handshakes succeed with the first certificate",
        ok::get, n -> n >= 3);

    install(second.tlsCert(), second.tlsKey());
    reloader.check();
    // The load goes on until its own handshakes see the new certificate, and a few more.
    String after = serial(second.tlsCert());
    Eventually.until(Duration.ofSeconds(10), "new handshakes see the rotated certificate",
        lastSeen::get, after::equals);
    int atSwitch = ok.get();
    Eventually.until(Duration.ofSeconds(10), "three more handshakes succeed after the rotation",
        ok::get, n -> n >= atSwitch + 3);
    running.set(false);
    load.join();

    assertThat(failed.get()).isZero();
    assertThat(ok.get()).isPositive();
    assertThat(before).isEqualTo(serial(first.tlsCert()));
    assertThat(subjectSerial()).isEqualTo(serial(second.tlsCert()));
    assertThat(metrics())
        .contains("mlflow_webhook_tls_reloads_total{result=\"failure\"} 0.0")
        .contains("mlflow_webhook_tls_reloads_total{result=\"success\"} 1.0")
        .contains("mlflow_webhook_tls_certificate_expiry_timestamp_seconds");
  }

  @Test
  void aKeyThatDoesNotMatchKeepsTheOldCertificateServing() throws Exception {
    install(second.tlsCert(), first.tlsKey());

    reloader.check();

    assertThat(subjectSerial()).isEqualTo(serial(first.tlsCert()));
    assertThat(metrics()).contains("mlflow_webhook_tls_reloads_total{result=\"failure\"} 1.0");
  }

  @Test
  void missingFilesKeepTheOldCertificateServing() throws Exception {
    Files.delete(served.resolve("tls.key"));

    reloader.check();

    assertThat(subjectSerial()).isEqualTo(serial(first.tlsCert()));
  }
}
