package io.opendatahub.mlflow.webhook.server;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

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

  PemKeyCertOptions keyCertOptions() {
    return new PemKeyCertOptions()
        .setCertValue(Buffer.buffer(certificatePem))
        .setKeyValue(Buffer.buffer(keyPem));
  }
}
