package io.opendatahub.mlflow.webhook.server;

import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Who may call the authorizer endpoint: the API server, with the credentials of the kubeconfig
 * its admin gave it. Either a client certificate (the TLS handshake already checked it against
 * the configured CA: a certificate that CA did not sign never gets this far) or the configured
 * bearer token. Anyone else is refused before the body is read.
 *
 * <p>The token is compared by SHA-256 digest with {@link MessageDigest#isEqual}, in constant
 * time whatever the presented token's length, and is never logged or echoed.
 */
final class AuthorizerCallers {

  /** Shorter tokens are refused at start-up: guessable. */
  static final int MIN_TOKEN_LENGTH = 32;

  private final boolean certificates;
  private final byte[] tokenDigest;

  private AuthorizerCallers(boolean certificates, byte[] tokenDigest) {
    this.certificates = certificates;
    this.tokenDigest = tokenDigest;
  }

  /**
   * @param certificates whether the listener asks for client certificates
   * @param tokenFile a file holding the token (a mounted Secret key), or null
   */
  static AuthorizerCallers of(boolean certificates, Path tokenFile) throws IOException {
    byte[] digest = null;
    if (tokenFile != null) {
      if (!Files.isRegularFile(tokenFile) || !Files.isReadable(tokenFile)) {
        throw new IOException("--authorizer-token-file / WEBHOOK_AUTHORIZER_TOKEN_FILE: "
            + tokenFile + " is not a readable file");
      }
      String token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
      if (token.length() < MIN_TOKEN_LENGTH || token.chars().anyMatch(c -> c <= ' ')) {
        throw new IOException("--authorizer-token-file / WEBHOOK_AUTHORIZER_TOKEN_FILE: "
            + tokenFile + " must hold one token of at least " + MIN_TOKEN_LENGTH
            + " characters without spaces (e.g. openssl rand -hex 32)");
      }
      digest = sha256(token);
    }
    if (!certificates && digest == null) {
      throw new IOException("the authorizer port needs a way to authenticate the API server:"
          + " set --authorizer-client-ca or --authorizer-token-file");
    }
    return new AuthorizerCallers(certificates, digest);
  }

  /** Empty when the caller is the API server; otherwise why not, for a 401. */
  Optional<String> refusal(HttpServerRequest request) {
    if (certificates && presentedCertificate(request)) {
      return Optional.empty();
    }
    String header = request.getHeader("Authorization");
    if (tokenDigest != null && header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
        && MessageDigest.isEqual(tokenDigest, sha256(header.substring(7).strip()))) {
      return Optional.empty();
    }
    return Optional.of("only the API server may call the authorizer endpoint: present "
        + (certificates && tokenDigest != null ? "a client certificate signed by the configured"
            + " CA or the configured bearer token"
            : certificates ? "a client certificate signed by the configured CA"
            : "the configured bearer token"));
  }

  private static boolean presentedCertificate(HttpServerRequest request) {
    try {
      return request.isSSL() && !request.connection().peerCertificates().isEmpty();
    } catch (SSLPeerUnverifiedException e) {
      return false;
    }
  }

  private static byte[] sha256(String value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
