package io.opendatahub.mlflow.webhook.server;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.X509KeyManager;

/**
 * The serving certificate chain and key, as PEM bytes. Held by value (not by path) so a later
 * reload compares contents: Vert.x skips an SSL update whose options are equal.
 */
public record TlsMaterial(byte[] certificatePem, byte[] keyPem) {

  public static TlsMaterial read(Path certificate, Path key) throws IOException {
    byte[] cert = readPem(certificate, "CERTIFICATE", "--tls-cert / WEBHOOK_TLS_CERT");
    byte[] privateKey = readPem(key, "PRIVATE KEY", "--tls-key / WEBHOOK_TLS_KEY");
    return new TlsMaterial(cert, privateKey);
  }

  private static byte[] readPem(Path file, String marker, String setting) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException(setting + ": " + file + " does not exist or is not a file");
    }
    if (!Files.isReadable(file)) {
      throw new IOException(setting + ": " + file + " is not readable");
    }
    byte[] bytes = Files.readAllBytes(file);
    if (!new String(bytes, StandardCharsets.US_ASCII).contains(marker)) {
      throw new IOException(setting + ": " + file + " holds no PEM " + marker + " block");
    }
    return bytes;
  }

  /**
   * Fails when the key does not belong to the certificate. Vert.x would start anyway and every
   * handshake would then fail, which the API server reports only as a webhook call error.
   *
   * @return the serving certificate, for its expiry date
   */
  public X509Certificate verify(Vertx vertx) throws IOException {
    X509KeyManager keys;
    try {
      keys = (X509KeyManager) keyCertOptions().getKeyManagerFactory(vertx).getKeyManagers()[0];
    } catch (Exception e) {
      throw new IOException("the TLS certificate or key cannot be read: " + e.getMessage(), e);
    }
    for (String alias : aliases(keys)) {
      PrivateKey key = keys.getPrivateKey(alias);
      X509Certificate[] chain = keys.getCertificateChain(alias);
      if (key == null || chain == null || chain.length == 0) {
        continue;
      }
      if (!signsFor(key, chain[0])) {
        throw new IOException("the TLS key does not match the certificate (subject "
            + chain[0].getSubjectX500Principal().getName() + "); give the key the certificate"
            + " was issued for");
      }
      return chain[0];
    }
    throw new IOException("no certificate and key pair found in the TLS files");
  }

  private static List<String> aliases(X509KeyManager keys) {
    List<String> aliases = new ArrayList<>();
    for (String type : List.of("RSA", "EC", "EdDSA", "Ed25519")) {
      String[] found = keys.getServerAliases(type, null);
      if (found != null) {
        aliases.addAll(List.of(found));
      }
    }
    return aliases;
  }

  private static boolean signsFor(PrivateKey key, X509Certificate certificate) throws IOException {
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      default -> key.getAlgorithm();
    };
    try {
      byte[] challenge = new byte[32];
      new SecureRandom().nextBytes(challenge);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certificate.getPublicKey());
      verifier.update(challenge);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  PemKeyCertOptions keyCertOptions() {
    return new PemKeyCertOptions()
        .setCertValue(Buffer.buffer(certificatePem))
        .setKeyValue(Buffer.buffer(keyPem));
  }
}
