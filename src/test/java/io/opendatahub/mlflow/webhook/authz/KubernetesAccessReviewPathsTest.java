package io.opendatahub.mlflow.webhook.authz;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributesBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.opendatahub.mlflow.webhook.cli.WebhookApp;
import io.opendatahub.mlflow.webhook.policy.PolicyLoader;
import io.opendatahub.mlflow.webhook.server.WebhookMetrics;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.HttpsClient;
import io.opendatahub.mlflow.webhook.testing.HttpsClient.Reply;
import io.opendatahub.mlflow.webhook.testing.MockReviews;
import io.opendatahub.mlflow.webhook.testing.TestApps;
import io.opendatahub.mlflow.webhook.testing.TestCertificates;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The Kubernetes authorization API's own paths, served with {@code /authorize}'s answers, so an
 * unmodified Kubernetes client given a kubeconfig that names this service (as k8s.io/apiserver's
 * delegating authorizer is, through {@code --authorization-kubeconfig}) consults the platform
 * policy. Here the client is fabric8's.
 */
@EnableKubernetesMockClient(https = false)
class KubernetesAccessReviewPathsTest {

  private static final String ALICE = "alice-token-0123456789";
  private static final String PROXY = "proxy-token-9876543210";

  KubernetesMockServer server;
  KubernetesClient client;

  @TempDir Path dir;

  private Vertx vertx;
  private WebhookApp app;
  private TestCertificates certs;
  private HttpsClient https;

  @BeforeEach
  void start() throws Exception {
    certs = TestCertificates.create(dir.resolve("certs"));
    vertx = Vertx.vertx();
    server.expect().post().withPath(MockReviews.TOKEN_REVIEWS).andReply(200, this::tokenReview)
        .always();
    server.expect().post().withPath(MockReviews.ACCESS_REVIEWS)
        .andReply(200, KubernetesAccessReviewPathsTest::accessReview).always();
    app = TestApps.start(vertx, certs, new PolicyLoader().load(TestPolicies.write(dir,
        "policy.yaml", """
            apiVersion: policy.mlflow-webhook.io/v1alpha1
            kind: MLflowPolicy
            metadata: {name: paths}
            spec:
              environments:
                - name: development
                  default: true
              authorization:
                disabled:
                  - resources: [gatewayendpoints]
                    reason: AI Gateway is disabled on this platform
                trustedCallers:
                  users: [system:serviceaccount:mlflow:tracking-server]
            """)), client, new WebhookMetrics());
    https = new HttpsClient(vertx, certs.caCert(), app.port());
  }

  @AfterEach
  void stop() {
    https.close();
    HttpsClient.await(app.stop());
    HttpsClient.await(vertx.close());
  }

  private Object tokenReview(RecordedRequest request) {
    String token = Fixtures.JSON.readTree(request.getUtf8Body()).path("spec").path("token")
        .asString();
    Map<String, Object> user = switch (token) {
      case ALICE -> Map.of("username", "alice", "groups", List.of("team-a"));
      case PROXY -> Map.of("username", "system:serviceaccount:mlflow:tracking-server");
      default -> null;
    };
    return Map.of("apiVersion", "authentication.k8s.io/v1", "kind", "TokenReview", "status",
        user == null ? Map.of("authenticated", false)
            : Map.of("authenticated", true, "user", user));
  }

  /** RBAC of the mock cluster: alice may get experiments in team-a, and nothing else. */
  private static Object accessReview(RecordedRequest request) {
    JsonNode spec = Fixtures.JSON.readTree(request.getUtf8Body()).path("spec");
    boolean allowed = spec.path("user").asString().equals("alice")
        && spec.path("resourceAttributes").path("resource").asString().equals("experiments");
    return MockReviews.accessReview(Map.of("allowed", allowed));
  }

  /** A Kubernetes client whose "API server" is this service, authenticated with {@code token}. */
  private KubernetesClient kubeconfigNamingTheService(String token) {
    return new KubernetesClientBuilder().withConfig(new ConfigBuilder()
        .withMasterUrl("https://localhost:" + app.port())
        .withCaCertFile(certs.caCert().toString())
        .withOauthToken(token)
        .withRequestRetryBackoffLimit(0)
        .build()).build();
  }

  private static io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributes attributes(
      String resource) {
    return new ResourceAttributesBuilder().withNamespace("team-a").withVerb("get")
        .withGroup("mlflow.kubeflow.org").withResource(resource).build();
  }

  @Test
  void aSubjectAccessReviewFromAnUnmodifiedClientGetsThePlatformPolicy() {
    try (KubernetesClient proxy = kubeconfigNamingTheService(PROXY)) {
      SubjectAccessReview gateway = proxy.authorization().v1().subjectAccessReview()
          .create(new SubjectAccessReviewBuilder().withNewSpec().withUser("alice")
              .withGroups("team-a").withResourceAttributes(attributes("gatewayendpoints"))
              .endSpec().build());
      assertThat(gateway.getStatus().getAllowed()).isFalse();
      assertThat(gateway.getStatus().getDenied()).isTrue();
      assertThat(gateway.getStatus().getReason()).startsWith("AI Gateway is disabled");

      SubjectAccessReview experiments = proxy.authorization().v1().subjectAccessReview()
          .create(new SubjectAccessReviewBuilder().withNewSpec().withUser("alice")
              .withGroups("team-a").withResourceAttributes(attributes("experiments"))
              .endSpec().build());
      assertThat(experiments.getStatus().getAllowed()).isTrue();
    }
  }

  @Test
  void aSelfSubjectAccessReviewFromAnUnmodifiedClientAsksAboutTheTokensOwner() {
    try (KubernetesClient alice = kubeconfigNamingTheService(ALICE)) {
      SelfSubjectAccessReview experiments = alice.authorization().v1()
          .selfSubjectAccessReview().create(new SelfSubjectAccessReviewBuilder().withNewSpec()
              .withResourceAttributes(attributes("experiments")).endSpec().build());
      assertThat(experiments.getStatus().getAllowed()).isTrue();

      SelfSubjectAccessReview gateway = alice.authorization().v1()
          .selfSubjectAccessReview().create(new SelfSubjectAccessReviewBuilder().withNewSpec()
              .withResourceAttributes(attributes("gatewayendpoints")).endSpec().build());
      assertThat(gateway.getStatus().getDenied()).isTrue();
    }
  }

  @Test
  void theAnswerIsTheOneAuthorizeGives() {
    byte[] body = ("{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SubjectAccessReview\","
        + "\"spec\":{\"user\":\"alice\",\"resourceAttributes\":{\"namespace\":\"team-a\","
        + "\"verb\":\"get\",\"group\":\"mlflow.kubeflow.org\",\"resource\":\"experiments\"}}}")
        .getBytes(StandardCharsets.UTF_8);
    Map<String, String> headers = Map.of("Content-Type", "application/json",
        "Authorization", "Bearer " + PROXY);
    Reply authorize = HttpsClient.await(https.sendWith(HttpMethod.POST, "/authorize", headers,
        body));
    Reply kube = HttpsClient.await(https.sendWith(HttpMethod.POST,
        "/apis/authorization.k8s.io/v1/subjectaccessreviews", headers, body));

    assertThat(kube.status()).isEqualTo(200);
    assertThat(kube.json()).isEqualTo(authorize.json());
    assertThat(kube.json().path("status").path("allowed").asBoolean()).isTrue();
  }

  @Test
  void anUntrustedCallerMayNotAskAboutOthersThereEither() {
    try (KubernetesClient alice = kubeconfigNamingTheService(ALICE)) {
      KubernetesClientException refused = org.assertj.core.api.Assertions.catchThrowableOfType(
          KubernetesClientException.class, () -> alice.authorization().v1().subjectAccessReview()
              .create(new SubjectAccessReviewBuilder().withNewSpec().withUser("bob")
                  .withResourceAttributes(attributes("experiments")).endSpec().build()));
      assertThat(refused.getCode()).isEqualTo(403);
    }
  }

  @Test
  void eachPathTakesOnlyItsOwnKind() {
    byte[] self = ("{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":"
        + "\"SelfSubjectAccessReview\",\"spec\":{\"resourceAttributes\":{\"namespace\":"
        + "\"team-a\",\"verb\":\"get\",\"group\":\"mlflow.kubeflow.org\",\"resource\":"
        + "\"experiments\"}}}").getBytes(StandardCharsets.UTF_8);
    Reply reply = HttpsClient.await(https.sendWith(HttpMethod.POST,
        "/apis/authorization.k8s.io/v1/subjectaccessreviews",
        Map.of("Content-Type", "application/json", "Authorization", "Bearer " + ALICE), self));

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.json().path("message").asString())
        .contains("this path takes only SubjectAccessReview");
  }
}
