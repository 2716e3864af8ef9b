package io.opendatahub.mlflow.webhook.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.authz.AuthorizationService;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.policy.PolicyHolder;
import io.opendatahub.mlflow.webhook.policy.PolicyLoader;
import io.opendatahub.mlflow.webhook.reload.PolicyReloader;
import io.opendatahub.mlflow.webhook.server.AuthorizerServer;
import io.opendatahub.mlflow.webhook.server.CertificateReloader;
import io.opendatahub.mlflow.webhook.server.Readiness;
import io.opendatahub.mlflow.webhook.server.TlsMaterial;
import io.opendatahub.mlflow.webhook.server.WebhookMetrics;
import io.opendatahub.mlflow.webhook.server.WebhookServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The running service: one policy holder, what the {@link Mode} started (cluster or standalone),
 * the admission and authorization cores, the HTTPS server and, when configured, the API
 * server's webhook authorizer on its own port, wired together. Both
 * {@code serve} and the tests start it through here, so what is tested is what runs.
 */
public final class WebhookApp {

  private final Vertx vertx;
  private final WebhookServer.Settings settings;
  private final AtomicBoolean stopping;
  private final PolicyHolder policy;
  private final WebhookServer server;
  private final WebhookMetrics metrics;
  private final Mode.Started mode;
  /** The webhook authorizer's listener, or null when it is not configured. */
  private final AuthorizerServer authorizer;
  /** How to stop the file watchers started after start-up; they stop first. */
  private final List<Runnable> watchers = new CopyOnWriteArrayList<>();

  private WebhookApp(Vertx vertx, WebhookServer.Settings settings, AtomicBoolean stopping,
      PolicyHolder policy, WebhookServer server, WebhookMetrics metrics, Mode.Started mode,
      AuthorizerServer authorizer) {
    this.vertx = vertx;
    this.settings = settings;
    this.stopping = stopping;
    this.policy = policy;
    this.server = server;
    this.metrics = metrics;
    this.mode = mode;
    this.authorizer = authorizer;
  }

  /**
   * A Vert.x instance that reports into the service's registry. Its per-request HTTP server
   * metrics are off: they looked up meters by tags on every request, a quarter of the
   * service's throughput on a 2-core machine (BENCHMARKS.md), and the endpoints' own
   * histograms already count and time every request by outcome.
   */
  public static Vertx vertx(WebhookMetrics metrics) {
    return Vertx.builder()
        .with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)
            .addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER)))
        .withMetrics(new MicrometerMetricsFactory(metrics.registry()))
        .build();
  }

  /**
   * Starts the service: on the cluster {@code client} reaches ({@link ClusterMode}), or
   * standalone on the policy's named namespaces when it is null ({@link StandaloneMode}).
   */
  public static Future<WebhookApp> start(Vertx vertx, WebhookServer.Settings settings,
      Policy initialPolicy, KubernetesClient client, WebhookMetrics metrics) {
    return start(vertx, settings, null, initialPolicy, client, metrics);
  }

  /** @param authorizer the API server's webhook authorizer's own port, or null for none */
  public static Future<WebhookApp> start(Vertx vertx, WebhookServer.Settings settings,
      AuthorizerServer.Settings authorizer, Policy initialPolicy, KubernetesClient client,
      WebhookMetrics metrics) {
    return start(vertx, settings, authorizer, initialPolicy, client, metrics,
        ClusterMode.DEFAULT_AUDIT_PERIOD);
  }

  /** @param auditPeriod with a cluster, how often the background audit judges everything */
  public static Future<WebhookApp> start(Vertx vertx, WebhookServer.Settings settings,
      AuthorizerServer.Settings authorizer, Policy initialPolicy, KubernetesClient client,
      WebhookMetrics metrics, Duration auditPeriod) {
    return start(vertx, settings, authorizer, initialPolicy,
        client == null ? new StandaloneMode() : new ClusterMode(client, auditPeriod), metrics);
  }

  static Future<WebhookApp> start(Vertx vertx, WebhookServer.Settings settings,
      Policy initialPolicy, Mode mode, WebhookMetrics metrics) {
    return start(vertx, settings, null, initialPolicy, mode, metrics);
  }

  private static Future<WebhookApp> start(Vertx vertx, WebhookServer.Settings settings,
      AuthorizerServer.Settings authorizerSettings, Policy initialPolicy, Mode mode,
      WebhookMetrics metrics) {
    PolicyHolder policy = new PolicyHolder(initialPolicy);
    metrics.policyInForce(initialPolicy, false);
    AtomicBoolean stopping = new AtomicBoolean();
    Readiness readiness = new Readiness()
        .require("not-shutting-down", () -> !stopping.get())
        .require("tls-certificate", () -> settings.tls() != null)
        .require("policy", () -> policy.get() != null);
    Mode.Started started;
    try {
      started = mode.start(policy, readiness, metrics);
    } catch (IOException e) {
      return Future.failedFuture(e);
    }
    AuthorizationService authorization = new AuthorizationService(policy, started.namespaces(),
        started.authority().orElse(null), metrics::upstream);
    policy.onChange(authorization::policyChanged);
    metrics.authorizationCache(authorization.decisionCache());
    WebhookServer server = new WebhookServer(vertx, settings,
        new AdmissionService(Handlers.all(started.bindings())),
        () -> new DecisionContext(policy.get(), started.namespaces(), started.instances()),
        authorization,
        new RouteAuthorizer(policy, authorization, started::namespaces), metrics, readiness,
        started.audit().orElse(null));
    AuthorizerServer authorizer = authorizerSettings == null ? null
        : new AuthorizerServer(vertx, authorizerSettings, settings, policy, started.namespaces(),
            metrics);
    WebhookApp app = new WebhookApp(vertx, settings, stopping, policy, server, metrics, started,
        authorizer);
    return server.start()
        .compose(bound -> authorizer == null ? Future.succeededFuture() : authorizer.start())
        .map(bound -> app)
        .recover(failure -> app.stop().transform(stopped -> Future.failedFuture(failure)));
  }

  /** Applies changes to the policy files without a restart; see {@link PolicyReloader}. */
  public PolicyReloader watchPolicy(Path location, Duration interval) {
    PolicyReloader reloader = new PolicyReloader(location, policy, new PolicyLoader(),
        new PolicyReloader.Listener() {
          @Override
          public void reloaded(Policy next) {
            metrics.policyInForce(next, true);
          }

          @Override
          public void rejected(String reason) {
            metrics.policyRejected();
          }
        });
    watchers.add(reloader::close);
    reloader.start(interval);
    return reloader;
  }

  /** Serves rotated certificates without a restart; see {@link CertificateReloader}. */
  public CertificateReloader watchCertificates(Path certificate, Path key, Duration interval) {
    CertificateReloader certificates = new CertificateReloader(vertx, this::updateTls,
        settings.tls(), certificate, key, new CertificateReloader.Listener() {
          @Override
          public void serving(X509Certificate served) {
            metrics.certificateServed(served, true);
          }

          @Override
          public void rejected(String reason) {
            metrics.certificateRejected();
          }
        });
    watchers.add(certificates::close);
    certificates.start(interval);
    return certificates;
  }

  /** Both listeners serve the new pair; the authorizer's keeps its client CA. */
  private Future<Boolean> updateTls(TlsMaterial tls) {
    return server.updateTls(tls).compose(updated -> authorizer == null
        ? Future.succeededFuture(updated)
        : authorizer.updateTls(tls).map(also -> updated && also));
  }

  public int port() {
    return server.port();
  }

  /** The authorizer's port; only when it was configured. */
  public int authorizerPort() {
    return authorizer.port();
  }

  public PolicyHolder policy() {
    return policy;
  }

  /** Stops at once; for tests and failed start-ups. */
  public Future<Void> stop() {
    return stop(Duration.ZERO);
  }

  /**
   * Graceful stop: readiness turns false, the file watchers stop, the listener stops accepting
   * and requests in flight get up to {@code grace} to finish; only then does what the mode
   * started stop (requests in flight may still need the cluster), off the event loop (closing
   * cluster watches may wait on the network).
   */
  public Future<Void> stop(Duration grace) {
    stopping.set(true);
    watchers.forEach(Runnable::run);
    Future<Void> authorizerStopped = authorizer == null ? Future.succeededFuture()
        : authorizer.stop(grace);
    return Future.all(server.stop(grace), authorizerStopped).<Void>mapEmpty()
        .eventually(() -> vertx.executeBlocking(() -> {
          mode.close();
          return null;
        }));
  }
}
