package io.opendatahub.mlflow.webhook.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * A CA and a serving certificate for {@code localhost} / {@code 127.0.0.1}, made at test time and
 * written as PEM files, like {@code certs/generate-dev-certs.sh} makes them for a developer.
 */
public record TestCertificates(Path caCert, Path tlsCert, Path tlsKey) {

  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  public static TestCertificates create(Path directory) {
    try {
      Files.createDirectories(directory);
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(256);
      KeyPair caKeys = generator.generateKeyPair();
      X500Name caName = new X500Name("CN=test CA");
      X509Certificate ca = selfSignedCa(caName, caKeys);

      KeyPair serverKeys = generator.generateKeyPair();
      X509Certificate server = sign(new JcaX509v3CertificateBuilder(caName, serial(), from(), to(),
              new X500Name("CN=localhost"), serverKeys.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.extendedKeyUsage, false,
              new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
          .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
              new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, "127.0.0.1")
              })), caKeys);

      Path caFile = directory.resolve("ca.crt");
      Path certFile = directory.resolve("tls.crt");
      Path keyFile = directory.resolve("tls.key");
      Files.writeString(caFile, pem(ca));
      Files.writeString(certFile, pem(server));
      Files.writeString(keyFile,
          pem(new PemObject("PRIVATE KEY", serverKeys.getPrivate().getEncoded())));
      return new TestCertificates(caFile, certFile, keyFile);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot make test certificates", e);
    }
  }

  /** A client certificate and the CA that signed it, as PEM files. */
  public record ClientCertificate(Path caCert, Path cert, Path key) {}

  /**
   * A new CA (its own, unrelated to any other) and a client certificate it signed for {@code
   * commonName}, as an admin issues one for the API server's webhook client.
   */
  public static ClientCertificate client(Path directory, String commonName) {
    try {
      Files.createDirectories(directory);
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(256);
      KeyPair caKeys = generator.generateKeyPair();
      X500Name caName = new X500Name("CN=client CA " + commonName);
      KeyPair clientKeys = generator.generateKeyPair();
      X509Certificate client = sign(new JcaX509v3CertificateBuilder(caName, serial(), from(),
              to(), new X500Name("CN=" + commonName), clientKeys.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.extendedKeyUsage, false,
              new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth)), caKeys);
      return new ClientCertificate(
          Files.writeString(directory.resolve("client-ca.crt"), pem(selfSignedCa(caName, caKeys))),
          Files.writeString(directory.resolve("client.crt"), pem(client)),
          Files.writeString(directory.resolve("client.key"),
              pem(new PemObject("PRIVATE KEY", clientKeys.getPrivate().getEncoded()))));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot make a client certificate", e);
    }
  }

  private static X509Certificate selfSignedCa(X500Name name, KeyPair keys)
      throws OperatorCreationException, GeneralSecurityException, IOException {
    return sign(new JcaX509v3CertificateBuilder(name, serial(), from(), to(), name,
            keys.getPublic())
        .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
        .addExtension(Extension.keyUsage, true,
            new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign)), keys);
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair issuer)
      throws OperatorCreationException, GeneralSecurityException {
    ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.getPrivate());
    return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
  }

  private static BigInteger serial() {
    return BigInteger.valueOf(SERIAL.incrementAndGet());
  }

  private static Date from() {
    return Date.from(Instant.now().minus(Duration.ofHours(1)));
  }

  private static Date to() {
    return Date.from(Instant.now().plus(Duration.ofDays(1)));
  }

  private static String pem(Object object) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    }
    return out.toString();
  }
}
