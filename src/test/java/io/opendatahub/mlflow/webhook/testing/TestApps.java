package io.opendatahub.mlflow.webhook.testing;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.opendatahub.mlflow.webhook.cli.WebhookApp;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.server.TlsMaterial;
import io.opendatahub.mlflow.webhook.server.WebhookMetrics;
import io.opendatahub.mlflow.webhook.server.WebhookServer;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;

/** The service as tests run it: loopback, a free port, test certificates, 1 MiB bodies. */
public final class TestApps {

  private TestApps() {}

  /**
   * @param kube the mock cluster, or null to run standalone
   */
  public static WebhookApp start(Vertx vertx, TestCertificates certs, Policy policy,
      KubernetesClient kube, WebhookMetrics metrics) {
    return HttpsClient.await(WebhookApp.start(vertx, settings(certs), policy, kube, metrics));
  }

  /** @param auditPeriod how often the background audit judges everything */
  public static WebhookApp start(Vertx vertx, TestCertificates certs, Policy policy,
      KubernetesClient kube, WebhookMetrics metrics, Duration auditPeriod) {
    return HttpsClient.await(WebhookApp.start(vertx, settings(certs), null, policy, kube,
        metrics, auditPeriod));
  }

  private static WebhookServer.Settings settings(TestCertificates certs) {
    TlsMaterial tls;
    try {
      tls = TlsMaterial.read(certs.tlsCert(), certs.tlsKey());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new WebhookServer.Settings("127.0.0.1", 0, tls, 1024 * 1024);
  }
}
