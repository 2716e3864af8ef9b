package io.opendatahub.mlflow.webhook.server;

import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.util.List;
import java.util.Set;

/**
 * What TLS the server speaks: 1.2 and 1.3; on 1.2 only ECDHE key exchange (forward secrecy)
 * with AEAD ciphers (GCM, ChaCha20-Poly1305), on 1.3 its standard suites; no client-initiated
 * renegotiation (each one is a full handshake the client makes the server pay for).
 */
public final class TlsPolicy {

  static final Set<String> PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");

  /** JDK names, strongest first; the Go client of the API server offers the ECDHE GCM ones. */
  static final List<String> CIPHER_SUITES = List.of(
      "TLS_AES_128_GCM_SHA256",
      "TLS_AES_256_GCM_SHA384",
      "TLS_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  static final String REJECT_CLIENT_RENEGOTIATION = "jdk.tls.rejectClientInitiatedRenegotiation";

  private TlsPolicy() {}

  /** Restricts the protocols and suites a server starts with. */
  static HttpServerOptions apply(HttpServerOptions options) {
    options.setEnabledSecureTransportProtocols(PROTOCOLS);
    CIPHER_SUITES.forEach(options::addEnabledCipherSuite);
    return options;
  }

  /** The same, for the options of a certificate swap (which replace the initial ones). */
  static ServerSSLOptions apply(ServerSSLOptions options) {
    options.setEnabledSecureTransportProtocols(PROTOCOLS);
    CIPHER_SUITES.forEach(options::addEnabledCipherSuite);
    return options;
  }

  /**
   * The JDK reads this switch once, when the first server handshake loads its classes, so it
   * is set at the start of {@code main} and again before any server is built (for embedders and
   * tests); there is no per-engine setting. Never lowered: renegotiation is of no use here.
   */
  public static void rejectClientRenegotiation() {
    System.setProperty(REJECT_CLIENT_RENEGOTIATION, "true");
  }
}
