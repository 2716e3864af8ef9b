package io.opendatahub.mlflow.webhook.testing;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/** A TLS socket to the server under test, for writing requests byte by byte. */
public final class RawTls {

  private RawTls() {}

  /** Connected and handshaken, trusting only the test CA; reads time out after 20 s. */
  public static SSLSocket connect(Path caCert, int port) throws Exception {
    TrustManagerFactory trust = TrustManagerFactory.getInstance("PKIX");
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    try (InputStream in = Files.newInputStream(caCert)) {
      store.setCertificateEntry("ca",
          CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    trust.init(store);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, trust.getTrustManagers(), null);
    SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("localhost", port);
    socket.setSoTimeout(20_000);
    socket.startHandshake();
    return socket;
  }

  /** Everything the server sends until it closes the connection. */
  public static String readAll(SSLSocket socket) throws Exception {
    return new String(socket.getInputStream().readAllBytes(),
        java.nio.charset.StandardCharsets.ISO_8859_1);
  }
}
