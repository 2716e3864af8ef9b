package io.opendatahub.mlflow.webhook.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.opendatahub.mlflow.webhook.kube.KubeConnection;
import io.opendatahub.mlflow.webhook.kube.Kubeconfig;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.policy.PolicyException;
import io.opendatahub.mlflow.webhook.policy.PolicyLoader;
import io.opendatahub.mlflow.webhook.server.AuthorizerServer;
import io.opendatahub.mlflow.webhook.server.TlsMaterial;
import io.opendatahub.mlflow.webhook.server.WebhookMetrics;
import io.opendatahub.mlflow.webhook.server.WebhookServer;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code serve}: load and check everything, then start the HTTPS service and block. */
final class ServeCommand {

  private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

  private static final long STOP_GRACE_SECONDS = 10;

  /** Rotations are rare and the old certificate stays valid for days: no need to hurry. */
  private static final Duration CERTIFICATE_POLL = Duration.ofSeconds(5);

  /**
   * A ConfigMap's new content reaches the pod only at the kubelet's next sync (a minute or so),
   * so checking four times a second applied it no sooner in a cluster, and each check ran on the
   * core that answers requests (0.2-0.35 ms of CPU, and the JIT compilations of that rarely run
   * code, beside the event loop in the pinned tail bench, issue 19).
   */
  private static final Duration POLICY_POLL = Duration.ofSeconds(2);

  /** The metrics registry and the Vert.x instance reporting into it. */
  private record Engine(WebhookMetrics metrics, Vertx vertx) {
    static Engine create() {
      WebhookMetrics metrics = new WebhookMetrics();
      return new Engine(metrics, WebhookApp.vertx(metrics));
    }
  }

  int run(ServeConfig config, Map<String, String> env) {
    long started = System.nanoTime();
    LOG.info("starting mlflow-policy-webhook: {}", config.describe());
    // Start-up is mostly class loading and JIT warm-up: build the engine on a second core
    // while this thread reads the policy and the certificate.
    CompletableFuture<Engine> engine = CompletableFuture.supplyAsync(Engine::create);
    Policy policy;
    TlsMaterial tls;
    try {
      policy = new PolicyLoader().load(config.policy());
      tls = TlsMaterial.read(config.tlsCert(), config.tlsKey());
    } catch (PolicyException e) {
      engine.thenAccept(unused -> closeQuietly(null, unused.vertx()));
      return startupFailure("--policy / WEBHOOK_POLICY: " + e.getMessage());
    } catch (IOException e) {
      engine.thenAccept(unused -> closeQuietly(null, unused.vertx()));
      return startupFailure(e.getMessage());
    }
    LOG.info("policy '{}' loaded from {} (sha256 {}), environments {}", policy.name(),
        policy.source(), policy.hash(), policy.environmentNames());

    WebhookMetrics metrics = engine.join().metrics();
    Vertx vertx = engine.join().vertx();
    KubeConnection.Connection cluster;
    try {
      cluster = connect(config, env, metrics);
    } catch (Kubeconfig.InvalidException e) {
      closeQuietly(null, vertx);
      return startupFailure(e.getMessage());
    }
    KubernetesClient client = cluster == null ? null : cluster.client();

    WebhookApp app;
    try {
      app = WebhookApp.start(vertx,
          new WebhookServer.Settings(config.host(), config.port(), tls, config.maxBodyBytes(),
              WebhookServer.IDLE_TIMEOUT, config.requestDeadline(), 0),
          config.authorizer() == null ? null : new AuthorizerServer.Settings(config.host(),
              config.authorizer().port(), config.authorizer().clientCa(),
              config.authorizer().tokenFile()),
          policy, client, metrics, config.auditInterval()).toCompletionStage().toCompletableFuture()
          .get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      closeQuietly(cluster, vertx);
      return startupFailure("cannot serve HTTPS on " + config.host() + ":" + config.port()
          + ": " + e.getCause().getMessage());
    } catch (TimeoutException | InterruptedException e) {
      closeQuietly(cluster, vertx);
      return startupFailure("the HTTPS server did not start within 30 s");
    }
    app.watchPolicy(config.policy(), POLICY_POLL);
    app.watchCertificates(config.tlsCert(), config.tlsKey(), CERTIFICATE_POLL);
    LOG.info("serving HTTPS on port {} ({} mode) after {} ms ({} ms since the JVM started)",
        app.port(), client == null ? "standalone" : "cluster",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
        ManagementFactory.getRuntimeMXBean().getUptime());

    StopOnSignal.install(() -> {
      LOG.info("stopping: finishing requests in flight (at most {} s)",
          config.shutdownGrace().toSeconds());
      try {
        app.stop(config.shutdownGrace()).toCompletionStage().toCompletableFuture()
            .get(config.shutdownGrace().toSeconds() + STOP_GRACE_SECONDS, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("stop did not complete cleanly: {}", e.toString());
      }
      closeQuietly(cluster, vertx);
      LOG.info("stopped");
    });
    return 0;
  }

  private static KubeConnection.Connection connect(ServeConfig config, Map<String, String> env,
      WebhookMetrics metrics) throws Kubeconfig.InvalidException {
    if (config.kube() == ServeConfig.KubeMode.NONE) {
      LOG.info("kube=none: standalone, namespaces known from the policy only");
      return null;
    }
    Optional<KubeConnection.Source> found =
        KubeConnection.detect(env, Path.of(System.getProperty("user.home", "/")));
    if (found.isEmpty()) {
      LOG.info("kube=auto: no in-cluster credentials and no kubeconfig; running standalone");
      return null;
    }
    LOG.info("kube=auto: using {}", found.get().description());
    return KubeConnection.connect(found.get(), metrics.registry());
  }

  private static void closeQuietly(KubeConnection.Connection cluster, Vertx vertx) {
    if (cluster != null) {
      cluster.close();
    }
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(STOP_GRACE_SECONDS,
          TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("Vert.x did not close cleanly: {}", e.toString());
    }
  }

  private static int startupFailure(String message) {
    LOG.error("cannot start: {}", message);
    return 1;
  }
}
