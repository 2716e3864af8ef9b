package io.opendatahub.mlflow.webhook.kube;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.RequestConfig;
import io.fabric8.kubernetes.client.RequestConfigBuilder;
import io.fabric8.kubernetes.client.vertx5.Vertx5HttpClientFactory;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides whether a cluster is there to talk to, and builds the fabric8 client on a Vert.x
 * instance of its own, with one event loop that serves no HTTPS request.
 */
public final class KubeConnection {

  static final Path SERVICE_ACCOUNT_TOKEN =
      Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token");

  /** Kept below the webhook's 3 s timeout so a slow API server never holds a request past it. */
  private static final int REQUEST_TIMEOUT_MILLIS = 2_000;
  /** Lists of tens of thousands of objects from a busy API server; readiness waits for them. */
  private static final int INFORMER_REQUEST_TIMEOUT_MILLIS = 60_000;

  private KubeConnection() {}

  /** Where the connection's settings come from, and the client configuration read from there. */
  public record Source(String description, Config config) {}

  /**
   * A kubeconfig that {@code KUBECONFIG} names (it must exist and be readable: a setting that
   * points nowhere is a mistake, not a reason to run standalone), else in-cluster credentials,
   * else {@code ~/.kube/config} when present; empty when there is none of these.
   *
   * @throws Kubeconfig.InvalidException with a one-line message naming the setting and file
   */
  public static Optional<Source> detect(Map<String, String> env, Path home)
      throws Kubeconfig.InvalidException {
    String kubeconfig = env.get("KUBECONFIG");
    if (kubeconfig != null && !kubeconfig.isBlank()) {
      return Optional.of(new Source("kubeconfig " + kubeconfig,
          Kubeconfig.read("KUBECONFIG", Kubeconfig.files(kubeconfig))));
    }
    if (env.containsKey("KUBERNETES_SERVICE_HOST") && Files.isReadable(SERVICE_ACCOUNT_TOKEN)) {
      return Optional.of(new Source("in-cluster service account", Config.autoConfigure(null)));
    }
    Path fallback = home.resolve(".kube").resolve("config");
    if (!Files.exists(fallback)) {
      return Optional.empty();
    }
    return Optional.of(new Source("kubeconfig " + fallback,
        Kubeconfig.read("kubeconfig " + fallback + " (the default; set KUBECONFIG to use"
            + " another, or --kube none to run without a cluster)", List.of(fallback))));
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

  /**
   * The client to the API server, on an event loop of its own.
   *
   * <p>fabric8 decodes every watch event, and the answers it is waiting for, on the event loop
   * the connection belongs to. On one of the service's loops that work waits in line with the
   * reviews and holds them up: a relist of thousands of RoleBindings, or a Lease renewal run
   * slowly while the JIT compiles it (seen in the pinned tail bench, issue 19).
   *
   * @param registry where the client's calls are counted ({@code vertx_http_client_*})
   */
  public static Connection connect(Source source, MeterRegistry registry) {
    Config config = source.config();
    config.setRequestTimeout(REQUEST_TIMEOUT_MILLIS);
    // Callers retry within their own deadline; fabric8's default backoff would outlast it.
    config.setRequestRetryBackoffLimit(0);
    Vertx loop = ClientLoop.create(registry);
    try {
      return new Connection(new KubernetesClientBuilder()
          .withConfig(config)
          .withHttpClientFactory(new Vertx5HttpClientFactory(loop))
          .build(), loop);
    } catch (RuntimeException e) {
      ClientLoop.close(loop);
      throw e;
    }
  }

  /** The client and the Vert.x instance it runs on, which fabric8 does not close: closed here. */
  public record Connection(KubernetesClient client, Vertx loop) implements AutoCloseable {
    @Override
    public void close() {
      try {
        client.close();
      } finally {
        ClientLoop.close(loop);
      }
    }
  }
}
