package io.opendatahub.mlflow.webhook.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.opendatahub.mlflow.webhook.cli.WebhookApp;
import io.opendatahub.mlflow.webhook.policy.PolicyLoader;
import io.opendatahub.mlflow.webhook.testing.EnableCrudApiServer;
import io.opendatahub.mlflow.webhook.testing.Eventually;
import io.opendatahub.mlflow.webhook.testing.HttpsClient;
import io.opendatahub.mlflow.webhook.testing.HttpsClient.Reply;
import io.opendatahub.mlflow.webhook.testing.LogCapture;
import io.opendatahub.mlflow.webhook.testing.TestCertificates;
import io.opendatahub.mlflow.webhook.testing.TestCertificates.ClientCertificate;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.net.PemKeyCertOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API server's webhook authorizer over real TLS, on its own port, against a mock cluster
 * whose namespaces carry the labels: who may call it (client certificate of the configured CA,
 * or the configured token), what it answers, that it follows label changes, and that answering
 * never sends a request to the API server.
 */
@EnableCrudApiServer
class AuthorizerOverHttpsTest {

  private static final Duration BOUND = Duration.ofSeconds(15);
  private static final String TOKEN = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718";
  private static final String LABEL = "mlflow-policy.io/ai-gateway";

  KubernetesMockServer server;
  KubernetesClient client;

  @TempDir Path dir;

  private Vertx vertx;
  private WebhookApp app;
  private TestCertificates certs;
  private ClientCertificate apiServer;
  private final List<HttpsClient> clients = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    certs = TestCertificates.create(dir.resolve("serving"));
    apiServer = TestCertificates.client(dir.resolve("apiserver"), "kube-apiserver");
    Files.writeString(dir.resolve("token"), TOKEN + "\n");
    vertx = Vertx.vertx();
    namespace("gateway-team", Map.of(LABEL, "enabled"));
    namespace("team-a", Map.of());
    app = HttpsClient.await(WebhookApp.start(vertx,
        new WebhookServer.Settings("127.0.0.1", 0,
            TlsMaterial.read(certs.tlsCert(), certs.tlsKey()), 1024 * 1024),
        new AuthorizerServer.Settings("127.0.0.1", 0, apiServer.caCert(), dir.resolve("token")),
        new PolicyLoader().load(TestPolicies.write(dir, "policy.yaml", """
            apiVersion: policy.mlflow-webhook.io/v1alpha1
            kind: MLflowPolicy
            metadata: {name: chain}
            spec:
              environments:
                - name: development
                  default: true
              authorization:
                disabled:
                  - resources: [gatewayendpoints, gatewaysecrets]
                    reason: the AI Gateway is on only where labelled
                    except:
                      namespaceSelector: {matchLabels: {mlflow-policy.io/ai-gateway: enabled}}
                  - resources: [gatewaymodeldefinitions]
                    reason: model definitions are off on this platform
            """)), client, new WebhookMetrics()));
    HttpsClient main = new HttpsClient(vertx, certs.caCert(), app.port());
    clients.add(main);
    Eventually.until(BOUND, "the service is ready", () -> main.get("/readyz"),
        r -> r.status() == 200);
  }

  @AfterEach
  void tearDown() {
    clients.forEach(HttpsClient::close);
    if (app != null) {
      HttpsClient.await(app.stop());
    }
    HttpsClient.await(vertx.close());
  }

  private void namespace(String name, Map<String, String> labels) {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name)
        .withLabels(labels).endMetadata().build()).create();
  }

  /** A caller presenting the API server's client certificate. */
  private HttpsClient withCertificate(ClientCertificate certificate) {
    HttpsClient https = new HttpsClient(vertx, certs.caCert(), app.authorizerPort(), false,
        options -> options.setKeyCertOptions(new PemKeyCertOptions()
            .setCertPath(certificate.cert().toString())
            .setKeyPath(certificate.key().toString())));
    clients.add(https);
    return https;
  }

  private HttpsClient anonymous() {
    HttpsClient https = new HttpsClient(vertx, certs.caCert(), app.authorizerPort(), false);
    clients.add(https);
    return https;
  }

  private static byte[] review(String namespace, String resource) {
    return ("{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SubjectAccessReview\","
        + "\"spec\":{\"resourceAttributes\":{\"namespace\":\"" + namespace + "\",\"verb\":"
        + "\"create\",\"group\":\"mlflow.kubeflow.org\",\"resource\":\"" + resource + "\","
        + "\"subresource\":\"use\"},\"user\":\"alice\",\"groups\":[\"system:authenticated\"]}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static Reply post(HttpsClient https, byte[] body, Map<String, String> headers) {
    Map<String, String> all = new java.util.HashMap<>(headers);
    all.put("Content-Type", "application/json");
    return HttpsClient.await(https.sendWith(HttpMethod.POST, AuthorizerServer.PATH, all, body));
  }

  private boolean denied(HttpsClient https, String namespace, String resource) {
    Reply reply = post(https, review(namespace, resource), Map.of());
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.json().path("status").path("allowed").asBoolean()).isFalse();
    return reply.json().path("status").path("denied").asBoolean();
  }

  @Test
  void theApiServersCertificateIsAcceptedAndGetsThePolicysAnswers() {
    HttpsClient apiServerClient = withCertificate(apiServer);

    Reply reply = post(apiServerClient, review("team-a", "gatewayendpoints"), Map.of());
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.json().path("kind").asString()).isEqualTo("SubjectAccessReview");
    assertThat(reply.json().path("status").path("denied").asBoolean()).isTrue();
    assertThat(reply.json().path("status").path("reason").asString())
        .startsWith("the AI Gateway is on only where labelled");

    assertThat(denied(apiServerClient, "gateway-team", "gatewayendpoints")).isFalse();
    assertThat(denied(apiServerClient, "gateway-team", "gatewaymodeldefinitions")).isTrue();
    assertThat(denied(apiServerClient, "team-a", "experiments")).isFalse();
  }

  @Test
  void aCertificateFromAnotherCaIsRefusedByTheHandshake() {
    HttpsClient stranger = withCertificate(TestCertificates.client(dir.resolve("other"),
        "kube-apiserver"));

    assertThatThrownBy(() -> post(stranger, review("team-a", "gatewayendpoints"), Map.of()))
        .hasStackTraceContaining("SSL");
  }

  @Test
  void withoutCertificateOrTokenTheCallerGets401AndNoDecision() {
    Reply reply = post(anonymous(), review("team-a", "gatewayendpoints"), Map.of());

    assertThat(reply.status()).isEqualTo(401);
    assertThat(reply.json().path("message").asString())
        .contains("only the API server may call the authorizer endpoint");
    assertThat(reply.body()).doesNotContain("denied");
  }

  @Test
  void theConfiguredTokenIsAcceptedAndAnyOtherRefusedWithoutBeingLogged() {
    HttpsClient https = anonymous();
    try (LogCapture logs = new LogCapture("io", ch.qos.logback.classic.Level.TRACE)) {
      Reply right = post(https, review("team-a", "gatewayendpoints"),
          Map.of("Authorization", "Bearer " + TOKEN));
      assertThat(right.status()).isEqualTo(200);
      assertThat(right.json().path("status").path("denied").asBoolean()).isTrue();

      String wrongToken = TOKEN.substring(0, TOKEN.length() - 1) + "0";
      for (String header : List.of("Bearer " + wrongToken, "Bearer " + TOKEN + "x",
          "Bearer", "Basic " + TOKEN, TOKEN)) {
        Reply wrong = post(https, review("team-a", "gatewayendpoints"),
            Map.of("Authorization", header));
        assertThat(wrong.status()).as(header).isEqualTo(401);
        assertThat(wrong.body()).doesNotContain(TOKEN.substring(0, 16));
      }
      assertThat(logs.text()).doesNotContain(TOKEN.substring(0, 16));
    }
  }

  @Test
  void hostileBodiesGetAWellFormed4xxNamingWhatIsWrong() {
    HttpsClient apiServerClient = withCertificate(apiServer);
    Reply notJson = post(apiServerClient, "{\"apiVersion\":".getBytes(StandardCharsets.UTF_8),
        Map.of());
    assertThat(notJson.status()).isEqualTo(400);
    assertThat(notJson.json().path("message").asString()).isNotBlank();

    Reply wrongKind = post(apiServerClient, ("{\"apiVersion\":\"authorization.k8s.io/v1\","
        + "\"kind\":\"SelfSubjectAccessReview\",\"spec\":{}}").getBytes(StandardCharsets.UTF_8),
        Map.of());
    assertThat(wrongKind.status()).isEqualTo(400);
    assertThat(wrongKind.json().path("message").asString()).contains("kind must be");

    byte[] huge = new byte[(int) WebhookServer.AUTHORIZE_BODY_LIMIT + 1024];
    java.util.Arrays.fill(huge, (byte) ' ');
    Reply tooLarge = post(apiServerClient, huge, Map.of());
    assertThat(tooLarge.status()).isEqualTo(413);
    assertThat(tooLarge.body()).doesNotContain("Exception");
  }

  @Test
  void theMainPortDoesNotServeTheAuthorizerAndTheAuthorizerPortNothingElse() {
    HttpsClient main = clients.get(0);
    assertThat(main.post(AuthorizerServer.PATH, review("team-a", "gatewayendpoints")).status())
        .isEqualTo(404);
    HttpsClient apiServerClient = withCertificate(apiServer);
    assertThat(HttpsClient.await(apiServerClient.send(HttpMethod.POST, "/validate",
        "application/json", "{}".getBytes(StandardCharsets.UTF_8))).status()).isEqualTo(404);
  }

  @Test
  void namespaceScopedSwitchesFollowLabelChanges() {
    HttpsClient apiServerClient = withCertificate(apiServer);
    assertThat(denied(apiServerClient, "team-a", "gatewaysecrets")).isTrue();

    client.namespaces().withName("team-a").edit(ns -> new NamespaceBuilder(ns).editMetadata()
        .addToLabels(LABEL, "enabled").endMetadata().build());
    assertThat(Eventually.until(BOUND, "gateway secrets allowed in labelled team-a",
        () -> denied(apiServerClient, "team-a", "gatewaysecrets"), isDenied -> !isDenied)).isFalse();

    client.namespaces().withName("team-a").edit(ns -> new NamespaceBuilder(ns).editMetadata()
        .removeFromLabels(LABEL).endMetadata().build());
    assertThat(Eventually.until(BOUND, "gateway secrets denied again in unlabelled team-a",
        () -> denied(apiServerClient, "team-a", "gatewaysecrets"), isDenied -> isDenied)).isTrue();

    // A namespace created after start-up opts in as soon as the informer sees it.
    namespace("late-team", Map.of(LABEL, "enabled"));
    assertThat(Eventually.until(BOUND, "gateway secrets allowed in the late, labelled namespace",
        () -> denied(apiServerClient, "late-team", "gatewaysecrets"), isDenied -> !isDenied))
        .isFalse();
  }

  @Test
  void answeringNeverSendsARequestToTheApiServer() throws Exception {
    HttpsClient apiServerClient = withCertificate(apiServer);
    post(apiServerClient, review("team-a", "gatewayendpoints"), Map.of());
    drain();

    int before = server.getRequestCount();
    int background = 0;
    for (String namespace : List.of("team-a", "gateway-team", "unknown-team", "")) {
      for (String resource : List.of("gatewayendpoints", "gatewaysecrets", "experiments")) {
        post(apiServerClient, review(namespace, resource), Map.of());
      }
    }
    List<String> sent = new ArrayList<>();
    for (String request : drain()) {
      // The binding reconciler renews its leader lease, and the leader's policy-report writer
      // asks which report API is served, on their own schedules, answering or not.
      if (request.contains(" /apis/coordination.k8s.io/v1/namespaces/mlflow-policy-webhook/"
          + "leases/mlflow-policy-webhook-reconciler")
          || request.startsWith("GET /apis/openreports.io/")
          || request.startsWith("GET /apis/wgpolicyk8s.io/")) {
        background++;
      } else {
        sent.add(request);
      }
    }

    assertThat(sent).as("requests the service sent while answering").isEmpty();
    assertThat(server.getRequestCount() - background).isEqualTo(before);

    // And with the API server gone, the answers still come, from memory.
    server.destroy();
    assertThat(denied(apiServerClient, "team-a", "gatewaysecrets")).isTrue();
    assertThat(denied(apiServerClient, "gateway-team", "gatewaysecrets")).isFalse();
  }

  /** Requests the mock API server received since the last call. */
  private List<String> drain() throws InterruptedException {
    List<String> sent = new ArrayList<>();
    RecordedRequest request;
    while ((request = server.takeRequest(50, TimeUnit.MILLISECONDS)) != null) {
      sent.add(request.getMethod() + " " + request.getPath());
    }
    return sent;
  }
}
