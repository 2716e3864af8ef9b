package io.opendatahub.mlflow.webhook.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.opendatahub.mlflow.webhook.cli.WebhookApp;
import io.opendatahub.mlflow.webhook.testing.HttpsClient;
import io.opendatahub.mlflow.webhook.testing.MockReviews;
import io.opendatahub.mlflow.webhook.testing.TestApps;
import io.opendatahub.mlflow.webhook.testing.TestCertificates;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** On stop, requests in flight finish; nothing new is accepted. */
@EnableKubernetesMockClient(https = false)
class GracefulShutdownTest {

  KubernetesMockServer server;
  KubernetesClient client;

  @TempDir Path dir;

  @Test
  void requestsInFlightWhenStoppingAllComplete() throws Exception {
    // Each decision waits 500 ms on the API server, so the requests are surely in flight.
    MockReviews.everyTokenIs(server, "alice");
    server.expect().post().delay(500, TimeUnit.MILLISECONDS)
        .withPath(MockReviews.ACCESS_REVIEWS)
        .andReturn(200, MockReviews.accessReview(Map.of("allowed", true))).always();
    TestCertificates certs = TestCertificates.create(dir);
    Vertx vertx = Vertx.vertx();
    WebhookApp app = TestApps.start(vertx, certs, TestPolicies.shipped(), client, new WebhookMetrics());
    // One connection per request, so every request has reached the server when stop begins.
    var http = vertx.createHttpClient(new HttpClientOptions().setSsl(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(certs.caCert().toString()))
        .setDefaultHost("localhost").setDefaultPort(app.port()),
        new PoolOptions().setHttp1MaxSize(32));

    List<Future<Integer>> inFlight = new ArrayList<>();
    List<Future<Void>> written = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String body = "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectAccessReview\","
          + "\"spec\":{\"resourceAttributes\":{\"namespace\":\"ns" + i + "\",\"verb\":\"get\","
          + "\"group\":\"mlflow.kubeflow.org\",\"resource\":\"experiments\"}}}";
      Promise<Void> sent = Promise.promise();
      written.add(sent.future());
      inFlight.add(Future.future(promise -> vertx.getOrCreateContext().runOnContext(v ->
          http.request(HttpMethod.POST, "/authorize").onFailure(sent::tryFail)
              .compose(request -> {
                request.putHeader("Content-Type", "application/json")
                    .putHeader("Authorization", "Bearer t")
                    .end(Buffer.buffer(body.getBytes(StandardCharsets.UTF_8))).onComplete(sent);
                return request.response();
              })
              .compose(response -> response.body().map(b -> response.statusCode()))
              .onComplete(promise))));
    }
    // Stop begins once every request is written on its own accepted connection, and the API
    // server has been asked for the first decision (so decisions are waiting upstream).
    HttpsClient.await(Future.all(written));
    var firstReview = server.takeRequest(10, TimeUnit.SECONDS);
    while (firstReview != null && !firstReview.getPath().startsWith(MockReviews.ACCESS_REVIEWS)) {
      firstReview = server.takeRequest(10, TimeUnit.SECONDS);
    }
    assertThat(firstReview).as("the API server was asked before stop").isNotNull();

    Future<Void> stopped = app.stop(Duration.ofSeconds(10));
    List<Integer> codes = HttpsClient.await(Future.all(inFlight)).list();
    HttpsClient.await(stopped);

    assertThat(codes).hasSize(20).containsOnly(200);
    var fresh = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setConnectTimeout(2000)
        .setTrustOptions(new PemTrustOptions().addCertPath(certs.caCert().toString()))
        .setDefaultHost("localhost").setDefaultPort(app.port()));
    Future<Integer> late = fresh.request(HttpMethod.GET, "/healthz")
        .compose(request -> request.send()).map(response -> response.statusCode());
    assertThat(late.toCompletionStage().toCompletableFuture().handle((code, error) -> error)
        .get(10, TimeUnit.SECONDS)).as("a request after stop is refused").isNotNull();
    HttpsClient.await(vertx.close());
  }
}
