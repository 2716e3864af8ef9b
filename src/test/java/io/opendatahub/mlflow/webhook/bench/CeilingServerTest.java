package io.opendatahub.mlflow.webhook.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.bench.CeilingServer.Layer;
import io.opendatahub.mlflow.webhook.testing.HttpsClient;
import io.opendatahub.mlflow.webhook.testing.HttpsClient.Reply;
import io.opendatahub.mlflow.webhook.testing.TestCertificates;
import io.vertx.core.Vertx;
import io.opendatahub.mlflow.webhook.server.WebhookServer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * bench/layers.sh compares the ceiling's layers with each other: that is only fair if every layer
 * answers as many bytes as asked, on the service's paths, and the JSON layers really read the
 * body rather than being optimised away or skipped.
 */
class CeilingServerTest {

  private static final byte[] REVIEW = """
      {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u1"}}"""
      .getBytes(StandardCharsets.UTF_8);

  @TempDir Path dir;
  private Vertx vertx;
  private TestCertificates certificates;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    certificates = TestCertificates.create(dir);
  }

  @AfterEach
  void tearDown() {
    HttpsClient.await(vertx.close());
  }

  @ParameterizedTest
  @EnumSource(Layer.class)
  void everyLayerAnswersAsManyBytesAsAskedOnTheServicePaths(Layer layer) throws Exception {
    try (HttpsClient client = client(layer)) {
      for (String path : new String[] {"/validate", "/mutate", "/authorize", "/authorize/mlflow"}) {
        Reply reply = post(client, path, REVIEW, "300");
        assertThat(reply.status()).as("%s %s", layer, path).isEqualTo(200);
        assertThat(reply.body()).as("%s %s", layer, path).hasSize(300).matches("x+");
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = Layer.class, names = {"TOKENS", "TREE", "FRONT_TOKENS", "FRONT_TREE"})
  void theJsonLayersReadTheBody(Layer layer) throws Exception {
    try (HttpsClient client = client(layer)) {
      Reply reply = post(client, "/validate", "{\"unterminated\": ".getBytes(StandardCharsets.UTF_8),
          "300");
      assertThat(reply.status()).as("a body the layer could not read").isEqualTo(500);
    }
  }

  @ParameterizedTest
  @EnumSource(value = Layer.class, names = {"BARE", "ROUTER", "CHAIN", "FRONT"})
  void theLayersBelowJsonDoNotParse(Layer layer) throws Exception {
    try (HttpsClient client = client(layer)) {
      assertThat(post(client, "/validate", "{\"unterminated\": ".getBytes(StandardCharsets.UTF_8),
          "300").status()).isEqualTo(200);
    }
  }

  /**
   * The ratio compares like with like only if the ceiling has the service's connection options:
   * its read-idle timeout (so Netty's idle handler in every connection, leaving writes alone),
   * no WebSocket compression.
   */
  @Test
  void theCeilingServesWithTheServicesConnectionOptions() {
    HttpServerOptions served = CeilingServer.served(new HttpServerOptions(), 8443);

    assertThat(served.getIdleTimeoutUnit().toMillis(served.getReadIdleTimeout()))
        .isEqualTo(WebhookServer.IDLE_TIMEOUT.toMillis());
    assertThat(served.getIdleTimeout()).as("no timeout counting writes").isZero();
    assertThat(served.getWriteIdleTimeout()).isZero();
    assertThat(served.getPerMessageWebSocketCompressionSupported()).isFalse();
    assertThat(served.getPerFrameWebSocketCompressionSupported()).isFalse();
    assertThat(served.getPort()).isEqualTo(8443);
  }

  /** bench/run.sh's CEILING_LAYER and bench/layers.sh's LAYERS name the layers so. */
  @ParameterizedTest
  @EnumSource(Layer.class)
  void everyLayerIsNamedAsTheScriptsNameIt(Layer layer) {
    assertThat(Layer.of(layer.label())).isEqualTo(layer);
    assertThat(layer.label()).matches("[a-z]+(-[a-z]+)?");
  }

  @Test
  void theFrontLayersServeWithoutARouter() {
    assertThat(CeilingServer.handler(vertx, Layer.FRONT)).isNotInstanceOf(Router.class);
    assertThat(CeilingServer.handler(vertx, Layer.FRONT_TOKENS)).isNotInstanceOf(Router.class);
    assertThat(CeilingServer.handler(vertx, Layer.TOKENS)).isInstanceOf(Router.class);
  }

  /** The front layers receive a body that arrives in many chunks whole, as the service does. */
  @ParameterizedTest
  @EnumSource(value = Layer.class, names = {"FRONT_TOKENS", "FRONT_TREE"})
  void theFrontLayersReadABodyOfManyChunksWhole(Layer layer) throws Exception {
    StringBuilder big = new StringBuilder("{\"items\":[");
    for (int i = 0; i < 20_000; i++) {
      big.append(i == 0 ? "" : ",").append("{\"n\":").append(i).append('}');
    }
    byte[] body = big.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    try (HttpsClient client = client(layer)) {
      assertThat(post(client, "/validate", body, "300").status()).isEqualTo(200);
      body[body.length - 1] = ' '; // the last chunk's last byte: the object is left open
      assertThat(post(client, "/validate", body, "300").status()).isEqualTo(500);
    }
  }

  private HttpsClient client(Layer layer) throws Exception {
    int port = CeilingServer.start(vertx, 0, certificates.tlsCert(), certificates.tlsKey(), layer);
    return new HttpsClient(vertx, certificates.caCert(), port);
  }

  private static Reply post(HttpsClient client, String path, byte[] body, String size) {
    return HttpsClient.await(client.sendWith(HttpMethod.POST, path,
        Map.of("Content-Type", "application/json", "X-Bench-Size", size), body));
  }
}
