package io.opendatahub.mlflow.webhook.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.opendatahub.mlflow.webhook.cli.WebhookApp;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.HttpsClient;
import io.opendatahub.mlflow.webhook.testing.HttpsClient.Reply;
import io.opendatahub.mlflow.webhook.testing.LogCapture;
import io.opendatahub.mlflow.webhook.testing.TestApps;
import io.opendatahub.mlflow.webhook.testing.TestCertificates;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.net.PemTrustOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /authorize} over HTTPS, with fabric8's mock API server answering TokenReviews and
 * SubjectAccessReviews: alice may get experiments in team-a, nothing else.
 */
@EnableKubernetesMockClient(https = false)
class AuthorizeEndpointTest {

  private static final String ALICE = "alice-token-0123456789";
  private static final String PROXY = "proxy-token-9876543210";
  private static final String TOKEN_REVIEWS = "/apis/authentication.k8s.io/v1/tokenreviews";
  private static final String ACCESS_REVIEWS = "/apis/authorization.k8s.io/v1/subjectaccessreviews";

  KubernetesMockServer server;
  KubernetesClient client;

  @TempDir Path dir;

  private Vertx vertx;
  private WebhookApp app;
  private TestCertificates certs;
  /** A client of the mock cluster that watches its own requests; closed after the service. */
  private KubernetesClient watched;
  private final AtomicInteger tokenReviews = new AtomicInteger();
  private final AtomicInteger accessReviews = new AtomicInteger();

  @BeforeEach
  void start() throws Exception {
    certs = TestCertificates.create(dir.resolve("certs"));
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() {
    if (app != null) {
      HttpsClient.await(app.stop());
    }
    if (watched != null) {
      watched.close();
    }
    HttpsClient.await(vertx.close());
  }

  private void startApp(KubernetesClient kube) throws Exception {
    startApp(kube, "500ms");
  }

  /** {@code upstreamTimeout}: the policy's deadline on each question to the API server. */
  private void startApp(KubernetesClient kube, String upstreamTimeout) throws Exception {
    Path policy = TestPolicies.write(dir, "policy.yaml", """
        apiVersion: policy.mlflow-webhook.io/v1alpha1
        kind: MLflowPolicy
        metadata: {name: authz}
        spec:
          environments:
            - name: development
              default: true
          authorization:
            disabled:
              - resources: [gatewayendpoints]
                reason: AI Gateway is disabled on this platform
            upstream: {timeout: %s, retries: 1}
            trustedCallers:
              users: [system:serviceaccount:mlflow:tracking-server]
        """.formatted(upstreamTimeout));
    app = TestApps.start(vertx, certs, new io.opendatahub.mlflow.webhook.policy.PolicyLoader().load(policy), kube, new WebhookMetrics());
  }

  /** The mock API server: two known tokens, and RBAC that lets alice get experiments in team-a. */
  private void rbac() {
    server.expect().post().withPath(TOKEN_REVIEWS).andReply(200, this::tokenReview).always();
    server.expect().post().withPath(ACCESS_REVIEWS).andReply(200, this::accessReview).always();
  }

  private Object tokenReview(RecordedRequest request) {
    tokenReviews.incrementAndGet();
    String token = Fixtures.JSON.readTree(request.getUtf8Body()).path("spec").path("token")
        .asString();
    Map<String, Object> status = switch (token) {
      case ALICE -> Map.of("authenticated", true,
          "user", Map.of("username", "alice", "groups", List.of("team-a", "system:authenticated")));
      case PROXY -> Map.of("authenticated", true, "user", Map.of(
          "username", "system:serviceaccount:mlflow:tracking-server",
          "groups", List.of("system:serviceaccounts")));
      default -> Map.of("authenticated", false);
    };
    return Map.of("apiVersion", "authentication.k8s.io/v1", "kind", "TokenReview",
        "status", status);
  }

  private Object accessReview(RecordedRequest request) {
    accessReviews.incrementAndGet();
    JsonNode spec = Fixtures.JSON.readTree(request.getUtf8Body()).path("spec");
    JsonNode attributes = spec.path("resourceAttributes");
    boolean allowed = spec.path("user").asString().equals("alice")
        && attributes.path("namespace").asString().equals("team-a")
        && attributes.path("resource").asString().equals("experiments")
        && attributes.path("verb").asString().equals("get");
    return Map.of("apiVersion", "authorization.k8s.io/v1", "kind", "SubjectAccessReview",
        "status", allowed ? Map.of("allowed", true, "reason", "RBAC: allowed by RoleBinding")
            : Map.of("allowed", false));
  }

  private static byte[] selfReview(String namespace, String resource, String subresource,
      String verb, String group) {
    return ("{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectAccessReview\","
        + "\"spec\":{\"resourceAttributes\":{\"namespace\":\"" + namespace + "\",\"verb\":\""
        + verb + "\",\"group\":\"" + group + "\",\"resource\":\"" + resource
        + "\",\"subresource\":\"" + subresource + "\"}}}").getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] experiments(String verb) {
    return selfReview("team-a", "experiments", "", verb, "mlflow.kubeflow.org");
  }

  private Reply post(String token, byte[] body) {
    return HttpsClient.await(send(token, body));
  }

  private Future<Reply> send(String token, byte[] body) {
    var http = vertx.createHttpClient(new HttpClientOptions().setSsl(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(certs.caCert().toString()))
        .setDefaultHost("localhost").setDefaultPort(app.port()));
    return Future.<Reply>future(promise -> vertx.getOrCreateContext().runOnContext(v ->
        http.request(HttpMethod.POST, "/authorize").compose(request -> {
          request.putHeader("Content-Type", "application/json");
          if (token != null) {
            request.putHeader("Authorization", "Bearer " + token);
          }
          return request.send(Buffer.buffer(body));
        }).compose(response -> response.body().map(b -> new Reply(response.statusCode(),
            response.getHeader("Content-Type"), b.toString())))
        .onComplete(promise)))
        .eventually(() -> http.close());
  }

  private static JsonNode status(Reply reply) {
    return reply.json().path("status");
  }

  @Test
  void answersFromRbacAndEchoesTheReviewWithItsStatus() throws Exception {
    rbac();
    startApp(client);

    Reply allowed = post(ALICE, experiments("get"));
    Reply denied = post(ALICE, experiments("delete"));

    assertThat(allowed.status()).isEqualTo(200);
    assertThat(allowed.json().path("kind").asString()).isEqualTo("SelfSubjectAccessReview");
    assertThat(allowed.json().path("spec").path("resourceAttributes").path("verb").asString())
        .isEqualTo("get");
    assertThat(status(allowed).path("allowed").asBoolean()).isTrue();
    assertThat(status(allowed).path("reason").asString()).isEqualTo("RBAC: allowed by RoleBinding");
    assertThat(status(denied).path("allowed").asBoolean()).isFalse();
    assertThat(status(denied).has("evaluationError")).isFalse();
  }

  @Test
  void aDisabledFeatureIsDeniedByPolicyWithoutAskingTheApiServer() throws Exception {
    rbac();
    startApp(client);

    Reply reply = post(ALICE, selfReview("team-a", "gatewayendpoints", "use", "create",
        "mlflow.kubeflow.org"));

    assertThat(status(reply).path("allowed").asBoolean()).isFalse();
    assertThat(status(reply).path("denied").asBoolean()).isTrue();
    assertThat(status(reply).path("reason").asString())
        .startsWith("AI Gateway is disabled on this platform (gatewayendpoints/use");
    assertThat(tokenReviews.get()).as("the caller is authenticated first").isEqualTo(1);
    assertThat(accessReviews.get()).isZero();
  }

  @Test
  void anUnknownTokenGets401WhateverTheQuestion() throws Exception {
    rbac();
    startApp(client);
    String stranger = "stranger-token-000000";

    Reply disabled = post(stranger, selfReview("team-a", "gatewayendpoints", "use", "create",
        "mlflow.kubeflow.org"));
    Reply outOfScope = post(stranger, selfReview("team-a", "deployments", "", "get", "apps"));
    Reply missing = post(null, selfReview("team-a", "gatewayendpoints", "", "get",
        "mlflow.kubeflow.org"));

    assertThat(disabled.status()).isEqualTo(401);
    assertThat(outOfScope.status()).isEqualTo(401);
    assertThat(missing.status()).isEqualTo(401);
    assertThat(disabled.json().path("message").asString()).contains("not valid");
    assertThat(accessReviews.get()).isZero();
  }

  @Test
  void questionsOutsideMlflowAreOutOfScope() throws Exception {
    rbac();
    startApp(client);

    Reply reply = post(ALICE, selfReview("team-a", "deployments", "", "get", "apps"));

    assertThat(status(reply).path("allowed").asBoolean()).isFalse();
    assertThat(status(reply).path("reason").asString()).contains("out of scope")
        .contains("'apps'");
    assertThat(accessReviews.get()).isZero();
  }

  @Test
  void aCacheHitMakesNoUpstreamCall() throws Exception {
    rbac();
    startApp(client);

    post(ALICE, experiments("get"));
    int afterFirst = tokenReviews.get() + accessReviews.get();
    Reply second = post(ALICE, experiments("get"));

    assertThat(afterFirst).isEqualTo(2);
    assertThat(tokenReviews.get() + accessReviews.get()).isEqualTo(afterFirst);
    assertThat(status(second).path("allowed").asBoolean()).isTrue();
    assertThat(HttpsClient.await(new HttpsClient(vertx, certs.caCert(), app.port())
        .send(HttpMethod.GET, "/metrics", null, null)).body())
        .contains("mlflow_webhook_authorization_seconds_count{decision=\"allowed\","
            + "resource=\"experiments\",source=\"cache\",verb=\"get\"} 1")
        .contains("mlflow_webhook_authorization_cache_hits_total 1.0");
  }

  @Test
  void missesAskTheApiServerOffTheEventLoopsAndHitsAskNothing() throws Exception {
    rbac();
    Set<String> askedOn = ConcurrentHashMap.newKeySet();
    Interceptor threads = new Interceptor() {
      @Override
      public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
        if (request.uri().getPath().endsWith("reviews")) {
          askedOn.add(Thread.currentThread().getName());
        }
      }
    };
    watched = new KubernetesClientBuilder().withConfig(client.getConfiguration())
        .withHttpClientBuilderConsumer(http -> http.addOrReplaceInterceptor("threads", threads))
        .build();
    startApp(watched);

    Reply miss = post(ALICE, experiments("get"));
    Reply otherMiss = post(ALICE, experiments("delete"));
    int asked = tokenReviews.get() + accessReviews.get();
    for (int i = 0; i < 50; i++) {
      post(ALICE, experiments(i % 2 == 0 ? "get" : "delete"));
    }

    assertThat(status(miss).path("allowed").asBoolean()).isTrue();
    assertThat(status(otherMiss).path("allowed").asBoolean()).isFalse();
    assertThat(asked).isEqualTo(3);
    assertThat(tokenReviews.get() + accessReviews.get()).isEqualTo(asked);
    assertThat(askedOn).isNotEmpty()
        .noneMatch(thread -> thread.startsWith("vert.x-eventloop"));
  }

  @Test
  void concurrentIdenticalMissesShareOneUpstreamCall() throws Exception {
    server.expect().post().withPath(TOKEN_REVIEWS).andReply(200, this::tokenReview).always();
    server.expect().post().delay(200, TimeUnit.MILLISECONDS).withPath(ACCESS_REVIEWS)
        .andReply(200, this::accessReview).always();
    // The 200 ms answer keeps the first miss in flight while the others arrive; the deadline is
    // not what this test is about, so it is one a loaded machine cannot miss (with 500 ms, a
    // busy machine failed the shared call closed, and the misses after it asked again).
    startApp(client, "60s");
    post(ALICE, experiments("list"));
    accessReviews.set(0);

    List<Future<Reply>> replies = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      replies.add(send(ALICE, experiments("get")));
    }
    // 100 TLS handshakes in this JVM took 21 s on a loaded machine: a bound that only catches
    // a hang.
    List<Reply> answers = HttpsClient.await(Future.all(replies), Duration.ofMinutes(2)).list();

    assertThat(answers).hasSize(100)
        .allSatisfy(reply -> assertThat(status(reply).path("allowed").asBoolean()).isTrue());
    assertThat(accessReviews.get()).isEqualTo(1);
  }

  @Test
  void aSlowApiServerGetsAFastFailClosedAnswerThatIsNotCached() throws Exception {
    server.expect().post().withPath(TOKEN_REVIEWS).andReply(200, this::tokenReview).always();
    server.expect().post().delay(3, TimeUnit.SECONDS).withPath(ACCESS_REVIEWS)
        .andReply(200, this::accessReview).once();
    server.expect().post().withPath(ACCESS_REVIEWS).andReply(200, this::accessReview).always();
    startApp(client);

    long started = System.nanoTime();
    Reply slow = post(ALICE, experiments("get"));
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    Reply recovered = post(ALICE, experiments("get"));

    assertThat(status(slow).path("allowed").asBoolean()).isFalse();
    assertThat(status(slow).path("evaluationError").asString()).contains("did not answer in time");
    assertThat(millis).as("answered near the 500 ms deadline, not the 3 s delay").isLessThan(2500);
    assertThat(status(recovered).path("allowed").asBoolean()).isTrue();
  }

  @Test
  void anUnreachableApiServerFailsClosed() throws Exception {
    KubernetesClient unreachable = new io.fabric8.kubernetes.client.KubernetesClientBuilder()
        .withConfig(new io.fabric8.kubernetes.client.ConfigBuilder()
            .withMasterUrl("https://127.0.0.1:1").withRequestTimeout(300)
            .withConnectionTimeout(300).withRequestRetryBackoffLimit(0).build()).build();
    try {
      startApp(unreachable);

      Reply reply = post(ALICE, experiments("get"));

      assertThat(reply.status()).isEqualTo(200);
      assertThat(status(reply).path("allowed").asBoolean()).isFalse();
      assertThat(status(reply).path("evaluationError").asString())
          .contains("could not answer").contains("denied until it can");
    } finally {
      unreachable.close();
    }
  }

  @Test
  void subjectAccessReviewIsOnlyForTrustedCallers() throws Exception {
    rbac();
    startApp(client);
    byte[] aboutAlice = ("{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SubjectAccessReview\","
        + "\"spec\":{\"user\":\"alice\",\"groups\":[\"team-a\"],\"resourceAttributes\":{"
        + "\"namespace\":\"team-a\",\"verb\":\"get\",\"group\":\"mlflow.kubeflow.org\","
        + "\"resource\":\"experiments\"}}}").getBytes(StandardCharsets.UTF_8);

    Reply untrusted = post(ALICE, aboutAlice);
    Reply invalid = post("forged-token", aboutAlice);
    Reply missing = post(null, aboutAlice);
    Reply trusted = post(PROXY, aboutAlice);

    assertThat(untrusted.status()).isEqualTo(403);
    assertThat(untrusted.json().path("message").asString())
        .contains("user 'alice' may not ask about other users");
    assertThat(invalid.status()).isEqualTo(401);
    assertThat(missing.status()).isEqualTo(401);
    assertThat(trusted.status()).isEqualTo(200);
    assertThat(status(trusted).path("allowed").asBoolean()).isTrue();
  }

  @Test
  void malformedReviewsGet400AndMissingTokens401() throws Exception {
    rbac();
    startApp(client);

    Reply malformed = post(ALICE, "{\"kind\":\"SelfSubjectAccessReview\"}".getBytes(
        StandardCharsets.UTF_8));
    Reply noToken = post(null, experiments("get"));

    assertThat(malformed.status()).isEqualTo(400);
    assertThat(malformed.json().path("message").asString()).contains("apiVersion must be");
    assertThat(noToken.status()).isEqualTo(401);
    assertThat(noToken.json().path("message").asString()).contains("Authorization");
  }

  @Test
  void standaloneAnswersFromPolicyAndSaysNoAuthorityIsConfigured() throws Exception {
    startApp(null);

    Reply disabled = post(ALICE, selfReview("team-a", "gatewayendpoints", "", "list",
        "mlflow.kubeflow.org"));
    Reply unknown = post(ALICE, experiments("get"));

    assertThat(status(disabled).path("denied").asBoolean()).isTrue();
    assertThat(status(unknown).path("allowed").asBoolean()).isFalse();
    assertThat(status(unknown).path("evaluationError").asString())
        .contains("no authorization authority is configured");
  }

  @Test
  void noTokenReachesTheLogsEvenAtDebug() throws Exception {
    rbac();
    try (LogCapture log = new LogCapture("io.opendatahub.mlflow.webhook", Level.TRACE)) {
      startApp(client);
      post(ALICE, experiments("get"));
      post(ALICE, experiments("delete"));
      post(PROXY, experiments("get"));

      assertThat(log.text()).contains("user \"alice\"").doesNotContain(ALICE)
          .doesNotContain(PROXY);
    }
  }
}
