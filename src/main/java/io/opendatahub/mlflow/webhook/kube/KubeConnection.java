package io.opendatahub.mlflow.webhook.kube;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.RequestConfig;
import io.fabric8.kubernetes.client.RequestConfigBuilder;
import io.fabric8.kubernetes.client.vertx5.Vertx5HttpClientFactory;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Decides whether a cluster is there to talk to, and builds the fabric8 client on the service's
 * own {@link Vertx}, so Kubernetes traffic and HTTPS share one set of event loops.
 */
public final class KubeConnection {

  static final Path SERVICE_ACCOUNT_TOKEN =
      Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token");

  /** Kept below the webhook's 3 s timeout so a slow API server never holds a request past it. */
  private static final int REQUEST_TIMEOUT_MILLIS = 2_000;
  /** Lists of tens of thousands of objects from a busy API server; readiness waits for them. */
  private static final int INFORMER_REQUEST_TIMEOUT_MILLIS = 60_000;

  private KubeConnection() {}

  /** In-cluster credentials or a kubeconfig, when either is present. */
  public static Optional<String> detect(Map<String, String> env, Path home) {
    if (env.containsKey("KUBERNETES_SERVICE_HOST") && Files.isReadable(SERVICE_ACCOUNT_TOKEN)) {
      return Optional.of("in-cluster service account");
    }
    String kubeconfig = env.get("KUBECONFIG");
    if (kubeconfig != null && !kubeconfig.isBlank()) {
      for (String file : kubeconfig.split(java.io.File.pathSeparator)) {
        if (Files.isReadable(Path.of(file))) {
          return Optional.of("kubeconfig " + file);
        }
      }
    }
    Path fallback = home.resolve(".kube").resolve("config");
    return Files.isReadable(fallback) ? Optional.of("kubeconfig " + fallback) : Optional.empty();
  }

  /**
   * The same connection for informers' lists and watches: a first list of a large cluster may
   * take longer than a review may wait, and nothing waits on it but readiness. Shares the
   * connection pool; closed with {@code client}, never on its own.
   */
  static KubernetesClient forInformers(KubernetesClient client) {
    RequestConfig request = new RequestConfigBuilder(client.getConfiguration().getRequestConfig())
        .withRequestTimeout(INFORMER_REQUEST_TIMEOUT_MILLIS).build();
    return client.newClient(request).adapt(KubernetesClient.class);
  }

  public static KubernetesClient connect(Vertx vertx) {
    Config config = Config.autoConfigure(null);
    config.setRequestTimeout(REQUEST_TIMEOUT_MILLIS);
    // Callers retry within their own deadline; fabric8's default backoff would outlast it.
    config.setRequestRetryBackoffLimit(0);
    return new KubernetesClientBuilder()
        .withConfig(config)
        .withHttpClientFactory(new Vertx5HttpClientFactory(vertx))
        .build();
  }
}
