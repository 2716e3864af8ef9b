package io.opendatahub.mlflow.webhook.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.admission.NamespaceFacts;
import io.opendatahub.mlflow.webhook.cluster.PolicyNamedNamespaces;
import io.opendatahub.mlflow.webhook.authz.AuthorizationService;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer;
import io.opendatahub.mlflow.webhook.authz.AccessReviewer;
import io.opendatahub.mlflow.webhook.rbac.BindingRequests;
import io.opendatahub.mlflow.webhook.cluster.AuthoritySwitch;
import io.opendatahub.mlflow.webhook.cluster.LocalAuthority;
import io.opendatahub.mlflow.webhook.cluster.StaticTokenFile;
import io.opendatahub.mlflow.webhook.kube.InformerRbac;
import io.opendatahub.mlflow.webhook.kube.RbacManifests;
import io.opendatahub.mlflow.webhook.rbac.RbacSnapshot;
import io.opendatahub.mlflow.webhook.policy.AuthorizationPolicy;
import io.opendatahub.mlflow.webhook.kube.BindingReconciler;
import io.opendatahub.mlflow.webhook.kube.InformerNamespaceFacts;
import io.opendatahub.mlflow.webhook.kube.KubeAccessReviewer;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.policy.PolicyHolder;
import io.opendatahub.mlflow.webhook.policy.PolicyLoader;
import io.opendatahub.mlflow.webhook.server.AuthorizerServer;
import io.opendatahub.mlflow.webhook.server.CertificateReloader;
import io.opendatahub.mlflow.webhook.reload.PolicyReloader;
import io.opendatahub.mlflow.webhook.server.Readiness;
import io.opendatahub.mlflow.webhook.server.WebhookMetrics;
import io.opendatahub.mlflow.webhook.server.WebhookServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running service: one policy holder, the namespace facts (informer or policy-named), the
 * admission core and the HTTPS server, wired together. Both {@code serve} and the tests start it
 * through here, so what is tested is what runs.
 */
public final class WebhookApp {

  private static final Logger LOG = LoggerFactory.getLogger(WebhookApp.class);

  private final PolicyHolder policy;
  private final WebhookServer server;
  private final InformerNamespaceFacts informer;
  private final KubeAccessReviewer reviewer;
  private final InformerRbac rbac;
  private final BindingReconciler reconciler;
  private final WebhookMetrics metrics;
  private final Vertx vertx;
  private final WebhookServer.Settings settings;
  private final AtomicBoolean stopping;
  private AuthorizerServer authorizer;
  private PolicyReloader reloader;
  private CertificateReloader certificates;

  private WebhookApp(Vertx vertx, WebhookServer.Settings settings, AtomicBoolean stopping,
      PolicyHolder policy, WebhookServer server, InformerNamespaceFacts informer,
      KubeAccessReviewer reviewer, InformerRbac rbac, BindingReconciler reconciler,
      WebhookMetrics metrics) {
    this.rbac = rbac;
    this.reconciler = reconciler;
    this.vertx = vertx;
    this.settings = settings;
    this.stopping = stopping;
    this.policy = policy;
    this.server = server;
    this.informer = informer;
    this.reviewer = reviewer;
    this.metrics = metrics;
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
   * Starts the service. With a client, namespace labels come from an informer and readiness waits
   * for its first sync; without one, the service runs standalone on the policy's named namespaces.
   */
  public static Future<WebhookApp> start(Vertx vertx, WebhookServer.Settings settings,
      Policy initialPolicy, KubernetesClient client, WebhookMetrics metrics) {
    return start(vertx, settings, null, initialPolicy, client, metrics);
  }

  /**
   * @param authorizer the API server's webhook authorizer's own port, or null for none
   */
  public static Future<WebhookApp> start(Vertx vertx, WebhookServer.Settings settings,
      AuthorizerServer.Settings authorizer, Policy initialPolicy, KubernetesClient client,
      WebhookMetrics metrics) {
    PolicyHolder policy = new PolicyHolder(initialPolicy);
    metrics.policyInForce(initialPolicy, false);
    AtomicBoolean stopping = new AtomicBoolean();
    Readiness readiness = new Readiness()
        .require("not-shutting-down", () -> !stopping.get())
        .require("tls-certificate", () -> settings.tls() != null)
        .require("policy", () -> policy.get() != null);
    NamespaceFacts facts;
    InformerNamespaceFacts informer = null;
    if (client != null) {
      informer = new InformerNamespaceFacts(client);
      InformerNamespaceFacts started = informer;
      readiness.require("namespace-informer-synced", started::synced);
      started.start().whenComplete((ignored, failure) -> {
        if (failure != null) {
          LOG.warn("namespace informer has not synced yet: {}; it keeps retrying",
              failure.getMessage());
        } else {
          LOG.info("namespace informer synced: {} namespaces", started.namespaces().size());
        }
      });
      facts = informer;
    } else {
      facts = new PolicyNamedNamespaces(policy);
    }
    Supplier<DecisionContext> contexts = () -> new DecisionContext(policy.get(), facts);
    BindingReconciler reconciler = null;
    if (client != null) {
      reconciler = new BindingReconciler(client, policy, facts, metrics::reconcile);
      metrics.managedBindings(reconciler::managedBindings);
      reconciler.start(election()).whenComplete((ignored, failure) -> {
        if (failure != null) {
          LOG.warn("binding reconciler did not start: {}", failure.toString());
        } else {
          LOG.info("binding reconciler caches synced; campaigning for the lease");
        }
      });
    }
    AdmissionService admission = new AdmissionService(
        Handlers.all(reconciler == null ? BindingRequests.NONE : reconciler));
    KubeAccessReviewer reviewer = client == null ? null : new KubeAccessReviewer(client);
    InformerRbac rbac = client == null ? null : new InformerRbac(client);
    AccessReviewer authority;
    if (client != null) {
      authority = new AuthoritySwitch(policy, reviewer,
          new LocalAuthority(rbac::snapshot, reviewer::authenticate));
      readiness.require("rbac-informers-synced", () -> !usesLocalRbac(policy.get()) || rbac.synced());
      if (usesLocalRbac(initialPolicy)) {
        startRbacInformers(rbac);
      }
      policy.onChange(next -> {
        if (usesLocalRbac(next)) {
          startRbacInformers(rbac);
        }
      });
    } else if (initialPolicy.authorization().local() != null) {
      try {
        authority = standaloneAuthority(initialPolicy);
      } catch (IOException e) {
        return Future.failedFuture(new IOException("spec.authorization.local: " + e.getMessage(), e));
      }
    } else {
      authority = null;
    }
    AuthorizationService authorization =
        new AuthorizationService(policy, facts, authority, metrics::upstream);
    policy.onChange(authorization::policyChanged);
    metrics.authorizationCache(authorization.decisionCache());
    WebhookServer server = new WebhookServer(vertx, settings, admission, contexts, authorization,
        new RouteAuthorizer(policy, authorization),
        metrics, readiness);
    InformerNamespaceFacts startedInformer = informer;
    BindingReconciler startedReconciler = reconciler;
    AuthorizerServer authorizerServer = authorizer == null ? null
        : new AuthorizerServer(vertx, authorizer, settings, policy, facts, metrics);
    return server.start()
        .compose(bound -> authorizerServer == null ? Future.succeededFuture()
            : authorizerServer.start().onFailure(failed -> server.stop(Duration.ZERO)))
        .map(bound -> {
          WebhookApp app = new WebhookApp(vertx, settings, stopping, policy, server,
              startedInformer, reviewer, rbac, startedReconciler, metrics);
          app.authorizer = authorizerServer;
          return app;
        });
  }

  /** Applies changes to the policy files without a restart; see {@link PolicyReloader}. */
  public PolicyReloader watchPolicy(Path location, Duration interval) {
    reloader = new PolicyReloader(location, policy, new PolicyLoader(),
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
    reloader.start(interval);
    return reloader;
  }

  /** Serves rotated certificates without a restart; see {@link CertificateReloader}. */
  public CertificateReloader watchCertificates(Path certificate, Path key, Duration interval) {
    certificates = new CertificateReloader(vertx, this::updateTls, settings.tls(), certificate, key,
        new CertificateReloader.Listener() {
          @Override
          public void serving(X509Certificate served) {
            metrics.certificateServed(served, true);
          }

          @Override
          public void rejected(String reason) {
            metrics.certificateRejected();
          }
        });
    certificates.start(interval);
    return certificates;
  }

  /**
   * The Lease every replica campaigns for: in the pod's namespace (downward API
   * {@code POD_NAMESPACE}), one identity per pod ({@code HOSTNAME}).
   */
  static BindingReconciler.Election election() {
    String namespace = System.getenv().getOrDefault("POD_NAMESPACE", "mlflow-policy-webhook");
    String identity = System.getenv().getOrDefault("HOSTNAME",
        "mlflow-policy-webhook-" + java.util.UUID.randomUUID());
    return new BindingReconciler.Election(namespace, "mlflow-policy-webhook-reconciler", identity);
  }

  private static boolean usesLocalRbac(Policy policy) {
    return policy.authorization().authority() == AuthorizationPolicy.Authority.LOCAL;
  }

  /** Idempotent: the informers start the first time a policy asks for the local authority. */
  private static void startRbacInformers(InformerRbac rbac) {
    rbac.start().whenComplete((ignored, failure) -> {
      if (failure != null) {
        LOG.warn("RBAC informers have not synced: {}; /authorize fails closed until they do",
            failure.toString());
      }
    });
  }

  /** The standalone authority; its files are read once, at start-up. */
  private static LocalAuthority standaloneAuthority(Policy policy) throws IOException {
    Path base = Path.of(policy.source()).toAbsolutePath().getParent();
    AuthorizationPolicy.Local local = policy.authorization().local();
    RbacSnapshot snapshot = RbacManifests.load(base.resolve(local.rbac()));
    StaticTokenFile tokens = StaticTokenFile.read(base.resolve(local.tokens()));
    LOG.info("standalone /authorize answers from local RBAC ({}) and tokens ({})", local.rbac(),
        local.tokens());
    return new LocalAuthority(() -> Optional.of(snapshot), tokens);
  }

  /** Both listeners serve the new pair; the authorizer's keeps its client CA. */
  private Future<Boolean> updateTls(io.opendatahub.mlflow.webhook.server.TlsMaterial tls) {
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
   * Graceful stop: readiness turns false, the listener stops accepting, requests in flight get
   * up to {@code grace} to finish, then watchers and the cluster connection stop.
   */
  public Future<Void> stop(Duration grace) {
    stopping.set(true);
    if (reloader != null) {
      reloader.close();
    }
    if (certificates != null) {
      certificates.close();
    }
    // Requests in flight may still need the cluster: close it only after the server stopped,
    // and off the event loop (closing cluster watches may wait on the network).
    Future<Void> authorizerStopped = authorizer == null ? Future.succeededFuture()
        : authorizer.stop(grace);
    return Future.all(server.stop(grace), authorizerStopped).<Void>mapEmpty()
        .eventually(() -> vertx.executeBlocking(() -> {
      if (informer != null) {
        informer.close();
      }
      if (reviewer != null) {
        reviewer.close();
      }
      if (rbac != null) {
        rbac.close();
      }
      if (reconciler != null) {
        reconciler.close();
      }
      return null;
    }));
  }
}
