package io.opendatahub.mlflow.webhook.server;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.function.Function;
import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import io.opendatahub.mlflow.webhook.reload.Poller;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a rotated certificate without a restart. Polls the PEM files (a mounted Secret swaps a
 * {@code ..data} symlink), compares bytes, checks that the new key matches the new certificate,
 * and only then swaps it in; a broken pair is reported and the old one keeps serving.
 */
public final class CertificateReloader implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(CertificateReloader.class);

  /** What the reloader reports; implemented by the metrics. */
  public interface Listener {
    void serving(X509Certificate certificate);

    void rejected(String reason);
  }

  private final Vertx vertx;
  private final Function<TlsMaterial, Future<Boolean>> server;
  private final Path certificate;
  private final Path key;
  private final Listener listener;
  private final Poller poller;
  private TlsMaterial current;
  private TlsMaterial rejected;
  private String lastReason;

  public CertificateReloader(Vertx vertx, WebhookServer server, TlsMaterial initial,
      Path certificate, Path key, Listener listener) {
    this(vertx, server::updateTls, initial, certificate, key, listener);
  }

  /** @param server takes a new pair for every listener that serves it */
  public CertificateReloader(Vertx vertx, Function<TlsMaterial, Future<Boolean>> server,
      TlsMaterial initial, Path certificate, Path key, Listener listener) {
    this.vertx = vertx;
    this.server = server;
    this.current = initial;
    this.certificate = certificate;
    this.key = key;
    this.listener = listener;
    this.poller = new Poller("certificate-reloader", this::check, LOG);
  }

  public void start(Duration interval) {
    poller.start(interval);
  }

  /** One poll; public so tests can step it. Waits for the server to take a new pair. */
  public void check() {
    TlsMaterial next;
    try {
      next = TlsMaterial.read(certificate, key);
    } catch (IOException e) {
      reject(null, e.getMessage());
      return;
    }
    if (same(next, current) || same(next, rejected)) {
      return;
    }
    X509Certificate served;
    try {
      served = next.verify(vertx);
      server.apply(next).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (IOException e) {
      reject(next, e.getMessage());
      return;
    } catch (Exception e) {
      reject(next, "the server refused the new certificate: " + e.getMessage());
      return;
    }
    current = next;
    rejected = null;
    lastReason = null;
    LOG.info("serving a new certificate {} valid until {}",
        served.getSubjectX500Principal().getName(), served.getNotAfter().toInstant());
    listener.serving(served);
  }

  private void reject(TlsMaterial material, String reason) {
    if (material == null ? reason.equals(lastReason) : same(material, rejected)) {
      return;
    }
    rejected = material;
    lastReason = reason;
    LOG.error("certificate rotation rejected, the current certificate keeps serving: {}", reason);
    listener.rejected(reason);
  }

  private static boolean same(TlsMaterial a, TlsMaterial b) {
    return b != null && Arrays.equals(a.certificatePem(), b.certificatePem())
        && Arrays.equals(a.keyPem(), b.keyPem());
  }

  @Override
  public void close() {
    poller.close();
  }
}
