package io.opendatahub.mlflow.webhook.authz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opendatahub.mlflow.webhook.admission.MalformedReviewException;
import io.opendatahub.mlflow.webhook.admission.NamespaceFacts.KnownNamespace;
import io.opendatahub.mlflow.webhook.admission.StaticNamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.AuthorizationPolicy;
import io.opendatahub.mlflow.webhook.policy.AuthorizationPolicy.DisabledResources;
import io.opendatahub.mlflow.webhook.policy.AuthorizationPolicy.Except;
import io.opendatahub.mlflow.webhook.policy.LabelSelector;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * The SubjectAccessReview the API server's webhook authorizer sends, read and answered as a link
 * of its chain: disabled features denied, everything else no opinion, never an allow.
 */
class ChainAuthorizerTest {

  private static final AuthorizationPolicy POLICY = new AuthorizationPolicy(List.of(
      new DisabledResources(List.of("gatewayendpoints"), "AI Gateway is disabled"),
      new DisabledResources(List.of("gatewaysecrets"), "secrets only where labelled",
          new Except(new LabelSelector(Map.of("ai-gateway", "on"), null)))),
      null, null, null, null, null, null);

  private static final StaticNamespaceFacts FACTS = new StaticNamespaceFacts(List.of(
      new KnownNamespace("team-a", Map.of()),
      new KnownNamespace("gateway-team", Map.of("ai-gateway", "on"))));

  private final ChainReviewCodec codec = new ChainReviewCodec();

  /** As the API server sends it (v1), selectors and all. */
  private static String v1(String namespace, String group, String resource,
      String subresource) {
    return """
        {"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","metadata":{"creationTimestamp":null},
         "spec":{"resourceAttributes":{"namespace":"%s","verb":"create","group":"%s","version":"v1",
           "resource":"%s","subresource":"%s","name":"my-endpoint",
           "fieldSelector":{"requirements":[{"key":"metadata.name","operator":"In","values":["a"]}]},
           "labelSelector":{"requirements":[{"key":"team","operator":"Exists"}]}},
          "user":"alice","uid":"4f7c-uid","groups":["team-a","system:authenticated"],
          "extra":{"authentication.kubernetes.io/credential-id":["JTI=abc"],"scopes.authorization.openshift.io":["user:full"]}},
         "status":{}}
        """.formatted(namespace, group, resource, subresource);
  }

  private JsonNode answer(String body) throws MalformedReviewException {
    ChainReview review = codec.decode(body.getBytes(StandardCharsets.UTF_8));
    AccessDecision decision = ChainAuthorizer.decide(review.attributes(), POLICY, FACTS);
    return Fixtures.JSON.readTree(codec.encode(review, decision));
  }

  @Test
  void theApiServersRequestShapeIsRead() throws Exception {
    ChainReview review = codec.decode(v1("team-a", "mlflow.kubeflow.org", "gatewayendpoints",
        "use").getBytes(StandardCharsets.UTF_8));

    assertThat(review.apiVersion()).isEqualTo("authorization.k8s.io/v1");
    assertThat(review.attributes()).isEqualTo(new ResourceAttributes("team-a", "create",
        "mlflow.kubeflow.org", "v1", "gatewayendpoints", "use", "my-endpoint"));
    assertThat(review.subject().username()).isEqualTo("alice");
    assertThat(review.subject().uid()).isEqualTo("4f7c-uid");
    assertThat(review.subject().groups()).containsExactly("team-a", "system:authenticated");
    assertThat(review.subject().extra()).containsEntry("scopes.authorization.openshift.io",
        List.of("user:full"));
  }

  @Test
  void v1beta1SpellsGroupsAsGroupAndIsAnsweredInV1beta1() throws Exception {
    String body = v1("team-a", "mlflow.kubeflow.org", "gatewayendpoints", "")
        .replace("authorization.k8s.io/v1", "authorization.k8s.io/v1beta1")
        .replace("\"groups\":", "\"group\":");
    ChainReview review = codec.decode(body.getBytes(StandardCharsets.UTF_8));
    assertThat(review.subject().groups()).containsExactly("team-a", "system:authenticated");

    JsonNode answer = answer(body);
    assertThat(answer.path("apiVersion").asString()).isEqualTo("authorization.k8s.io/v1beta1");
    assertThat(answer.path("status").path("denied").asBoolean()).isTrue();
  }

  @Test
  void aDisabledFeatureIsDeniedWithThePolicysReasonSoTheChainStops() throws Exception {
    JsonNode answer = answer(v1("team-a", "mlflow.kubeflow.org", "gatewayendpoints", "use"));

    assertThat(answer.path("kind").asString()).isEqualTo("SubjectAccessReview");
    assertThat(answer.path("status").path("allowed").asBoolean()).isFalse();
    assertThat(answer.path("status").path("denied").asBoolean()).isTrue();
    assertThat(answer.path("status").path("reason").asString())
        .startsWith("AI Gateway is disabled");
    // The API server ignores a returned spec; it is not echoed (less to write and to cache).
    assertThat(answer.has("spec")).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"experiments", "registeredmodels", "datasets"})
  void anEnabledFeatureGetsNoOpinionSoRbacDecides(String resource) throws Exception {
    JsonNode status = answer(v1("team-a", "mlflow.kubeflow.org", resource, "")).path("status");

    assertThat(status.path("allowed").asBoolean()).isFalse();
    assertThat(status.has("denied")).isFalse();
    assertThat(status.has("evaluationError")).isFalse();
  }

  @Test
  void aNamespaceScopedFeatureIsNoOpinionWhereSelectedAndDeniedElsewhere() throws Exception {
    assertThat(answer(v1("gateway-team", "mlflow.kubeflow.org", "gatewaysecrets", ""))
        .path("status").has("denied")).isFalse();
    assertThat(answer(v1("team-a", "mlflow.kubeflow.org", "gatewaysecrets", ""))
        .path("status").path("denied").asBoolean()).isTrue();
  }

  @Test
  void otherApiGroupsGetNoOpinionWhateverTheirFieldsHold() throws Exception {
    // Out-of-group questions are none of this authorizer's business: no field checks, so no
    // 400 (which the API server would turn into the failure policy).
    JsonNode status = answer(v1("Not_A_Namespace!", "apps", "deployments/💥", "x"))
        .path("status");
    assertThat(status.path("allowed").asBoolean()).isFalse();
    assertThat(status.has("denied")).isFalse();

    // "gatewayendpoints" in another group is another resource.
    assertThat(answer(v1("team-a", "example.com", "gatewayendpoints", "")).path("status")
        .has("denied")).isFalse();
  }

  @Test
  void nonResourceRequestsGetNoOpinion() throws Exception {
    JsonNode status = answer("""
        {"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview",
         "spec":{"nonResourceAttributes":{"path":"/healthz","verb":"get"},"user":"bob"}}
        """).path("status");
    assertThat(status.path("allowed").asBoolean()).isFalse();
    assertThat(status.has("denied")).isFalse();
  }

  @Test
  void neverAllows() throws Exception {
    for (String resource : List.of("gatewayendpoints", "gatewaysecrets", "experiments", "*")) {
      for (String namespace : List.of("team-a", "gateway-team", "")) {
        assertThat(answer(v1(namespace, "mlflow.kubeflow.org", resource, "")).path("status")
            .path("allowed").asBoolean()).isFalse();
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "",
      "[]",
      "{\"apiVersion\":\"authorization.k8s.io/v2\",\"kind\":\"SubjectAccessReview\",\"spec\":{}}",
      "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectAccessReview\","
          + "\"spec\":{\"resourceAttributes\":{}}}",
      "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SubjectAccessReview\"}",
      "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SubjectAccessReview\",\"spec\":{}}",
      "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SubjectAccessReview\",\"spec\":"
          + "{\"resourceAttributes\":{\"group\":\"mlflow.kubeflow.org\",\"verb\":\"get\","
          + "\"resource\":\"experiments\",\"namespace\":\"Bad Namespace\"}}}",
      "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SubjectAccessReview\",\"spec\":"
          + "{\"resourceAttributes\":{\"group\":\"mlflow.kubeflow.org\",\"verb\":\"get\","
          + "\"resource\":\"experiments\"},\"groups\":\"not-a-list\"}}",
      "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SubjectAccessReview\",\"spec\":"
          + "{\"resourceAttributes\":{\"group\":\"mlflow.kubeflow.org\",\"verb\":\"get\","
          + "\"resource\":\"experiments\"},\"extra\":[]}}",
      "{\"apiVersion\":\"authorization.k8s.io/v1\",\"apiVersion\":\"authorization.k8s.io/v1\","
          + "\"kind\":\"SubjectAccessReview\",\"spec\":{}}"})
  void malformedReviewsAreRefusedNamingWhatIsWrong(String body) {
    assertThatThrownBy(() -> codec.decode(body.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(MalformedReviewException.class)
        .satisfies(e -> assertThat(e.getMessage()).isNotBlank().doesNotContain("Exception"));
  }
}
