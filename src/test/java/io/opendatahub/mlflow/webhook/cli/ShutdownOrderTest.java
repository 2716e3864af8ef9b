package io.opendatahub.mlflow.webhook.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opendatahub.mlflow.webhook.policy.PolicyHolder;
import io.opendatahub.mlflow.webhook.server.Readiness;
import io.opendatahub.mlflow.webhook.server.TlsMaterial;
import io.opendatahub.mlflow.webhook.server.WebhookMetrics;
import io.opendatahub.mlflow.webhook.server.WebhookServer;
import io.opendatahub.mlflow.webhook.testing.HttpsClient;
import io.opendatahub.mlflow.webhook.testing.TestCertificates;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a mode started (informers, reconciler, API clients) stops after the server has stopped
 * taking connections, off the event loop, and in the reverse of the order it started.
 */
class ShutdownOrderTest {

  @TempDir Path dir;

  private final Vertx vertx = Vertx.vertx();
  /** The client's own Vert.x, so a probe never waits on the server's event loops. */
  private final Vertx clients = Vertx.vertx();
  private TestCertificates certs;

  @AfterEach
  void close() {
    HttpsClient.await(vertx.close());
    HttpsClient.await(clients.close());
  }

  /** Standalone, plus one started part that reports what it sees when it is stopped. */
  private final class Watched implements Mode {
    final AtomicInteger port = new AtomicInteger();
    final AtomicReference<String> seenOnStop = new AtomicReference<>();

    @Override
    public Started start(PolicyHolder policy, Readiness readiness, WebhookMetrics metrics)
        throws IOException {
      Started standalone = new StandaloneMode().start(policy, readiness, metrics);
      AutoCloseable informer = () -> seenOnStop.set(
          (serving(port.get()) ? "serving" : "not serving") + " requests, "
              + (Context.isOnEventLoopThread() ? "on" : "off") + " the event loop");
      return new Started(standalone.namespaces(), standalone.bindings(), standalone.authority(),
          List.of(informer));
    }
  }

  /** Whether a new connection gets an answer from /healthz. */
  private boolean serving(int port) {
    try (HttpsClient client = new HttpsClient(clients, certs.caCert(), port, false)) {
      return client.get("/healthz").status() == 200;
    } catch (IllegalStateException refused) {
      return false;
    }
  }

  private WebhookServer.Settings settings(int port) throws IOException {
    certs = TestCertificates.create(dir);
    return new WebhookServer.Settings("127.0.0.1", port,
        TlsMaterial.read(certs.tlsCert(), certs.tlsKey()), 1024 * 1024);
  }

  @Test
  void whatTheModeStartedStopsAfterTheServerStoppedAcceptingAndOffTheEventLoop()
      throws Exception {
    Watched mode = new Watched();
    WebhookApp app = HttpsClient.await(WebhookApp.start(vertx, settings(0),
        TestPolicies.shipped(), mode, new WebhookMetrics()));
    mode.port.set(app.port());
    assertThat(serving(app.port())).as("serving before stop").isTrue();

    HttpsClient.await(app.stop());

    assertThat(mode.seenOnStop.get()).isEqualTo("not serving requests, off the event loop");
  }

  @Test
  void aServerThatCannotListenStopsWhatTheModeStarted() throws Exception {
    Watched mode = new Watched();
    try (ServerSocket taken = new ServerSocket(0)) {
      assertThatThrownBy(() -> HttpsClient.await(WebhookApp.start(vertx,
          settings(taken.getLocalPort()), TestPolicies.shipped(), mode, new WebhookMetrics())))
          .hasMessageContaining("Address already in use");
    }

    assertThat(mode.seenOnStop.get()).as("stopped after the failed start").isNotNull();
  }

  @Test
  void partsStopLastStartedFirstAndOneThatFailsDoesNotKeepTheOthersRunning() {
    List<String> stopped = Collections.synchronizedList(new ArrayList<>());
    Mode.Started started = new Mode.Started(null, null, Optional.empty(), List.of(
        () -> stopped.add("namespace informer"),
        () -> stopped.add("binding reconciler"),
        () -> {
          throw new IllegalStateException("API server gone");
        },
        () -> stopped.add("RBAC informers")));

    started.close();

    assertThat(stopped).containsExactly("RBAC informers", "binding reconciler",
        "namespace informer");
  }
}
