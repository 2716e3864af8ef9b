package io.opendatahub.mlflow.webhook.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.bench.CeilingServer.Layer;
import io.opendatahub.mlflow.webhook.testing.HttpsClient;
import io.opendatahub.mlflow.webhook.testing.HttpsClient.Reply;
import io.opendatahub.mlflow.webhook.testing.TestCertificates;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
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
  @EnumSource(value = Layer.class, names = {"TOKENS", "TREE"})
  void theJsonLayersReadTheBody(Layer layer) throws Exception {
    try (HttpsClient client = client(layer)) {
      Reply reply = post(client, "/validate", "{\"unterminated\": ".getBytes(StandardCharsets.UTF_8),
          "300");
      assertThat(reply.status()).as("a body the layer could not read").isEqualTo(500);
    }
  }

  @ParameterizedTest
  @EnumSource(value = Layer.class, names = {"BARE", "ROUTER", "CHAIN"})
  void theLayersBelowJsonDoNotParse(Layer layer) throws Exception {
    try (HttpsClient client = client(layer)) {
      assertThat(post(client, "/validate", "{\"unterminated\": ".getBytes(StandardCharsets.UTF_8),
          "300").status()).isEqualTo(200);
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
