package io.opendatahub.mlflow.webhook.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.server.AuthorizerServer;
import io.opendatahub.mlflow.webhook.testing.Kustomize;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * What an admin copies to the control plane for the webhook authorizer: an
 * AuthorizationConfiguration kube-apiserver accepts (a rejected one stops it from starting),
 * placing the webhook after Node and before RBAC with the MLflow match condition, and a webhook
 * kubeconfig that reaches the authorizer port the manifests open.
 */
class AuthorizerManifestsTest {

  private static final Path DIR = Path.of("manifests/authorizer");
  private static final YAMLMapper YAML = YAMLMapper.builder().build();

  private static ObjectNode config() throws Exception {
    return (ObjectNode) YAML.readTree(DIR.resolve("control-plane/authorization-config.yaml")
        .toFile());
  }

  private static JsonNode kubeconfig() throws Exception {
    return YAML.readTree(DIR.resolve("control-plane/mlflow-policy-webhook.kubeconfig").toFile());
  }

  @Test
  void theShippedConfigurationPassesTheApiServersValidation() throws Exception {
    assertThat(AuthorizationConfigurationRules.violations(config())).isEmpty();
  }

  @Test
  void theWebhookSitsAfterNodeAndBeforeRbacAndSeesOnlyMlflowsGroup() throws Exception {
    JsonNode authorizers = config().path("authorizers");
    assertThat(java.util.stream.StreamSupport.stream(authorizers.spliterator(), false)
        .map(authorizer -> authorizer.path("type").asString()).toList())
        .containsExactly("Node", "Webhook", "RBAC");
    JsonNode webhook = authorizers.get(1).path("webhook");
    assertThat(webhook.path("matchConditions").findValuesAsString("expression")).containsExactly(
        "has(request.resourceAttributes) && request.resourceAttributes.group =="
            + " 'mlflow.kubeflow.org'");
    assertThat(webhook.path("subjectAccessReviewVersion").asString()).isEqualTo("v1");
    assertThat(AuthorizationConfigurationRules.duration(webhook.path("timeout")))
        .isLessThanOrEqualTo(java.time.Duration.ofSeconds(5));
  }

  /** The validator itself: each rule of the reference notes catches its violation. */
  @ParameterizedTest
  @ValueSource(strings = {"timeout-31s", "timeout-0s", "timeout-missing", "duplicate-name",
      "rbac-named-wrong", "name-not-dns", "version-v2", "match-version-missing",
      "match-version-v1beta1", "failure-fail", "connection-kubeconfig", "relative-path",
      "in-cluster", "65-conditions", "duplicate-condition", "empty-condition", "cache-field",
      "node-twice", "webhook-on-rbac", "api-v1beta1", "unknown-type"})
  void eachRuleCatchesItsViolation(String mutation) throws Exception {
    ObjectNode config = config();
    ArrayNode authorizers = (ArrayNode) config.path("authorizers");
    ObjectNode webhook = (ObjectNode) authorizers.get(1).path("webhook");
    ArrayNode conditions = (ArrayNode) webhook.path("matchConditions");
    Consumer<ObjectNode> change = switch (mutation) {
      case "timeout-31s" -> c -> webhook.put("timeout", "31s");
      case "timeout-0s" -> c -> webhook.put("timeout", "0s");
      case "timeout-missing" -> c -> webhook.remove("timeout");
      case "duplicate-name" -> c -> ((ObjectNode) authorizers.get(1)).put("name", "rbac");
      case "rbac-named-wrong" -> c -> ((ObjectNode) authorizers.get(2)).put("name", "my-rbac");
      case "name-not-dns" -> c -> ((ObjectNode) authorizers.get(1)).put("name", "MLflow_Policy");
      case "version-v2" -> c -> webhook.put("subjectAccessReviewVersion", "v2");
      case "match-version-missing" -> c -> webhook.remove("matchConditionSubjectAccessReviewVersion");
      case "match-version-v1beta1" -> c -> webhook.put("matchConditionSubjectAccessReviewVersion",
          "v1beta1");
      case "failure-fail" -> c -> webhook.put("failurePolicy", "Fail");
      case "connection-kubeconfig" -> c -> ((ObjectNode) webhook.path("connectionInfo"))
          .put("type", "KubeConfig");
      case "relative-path" -> c -> ((ObjectNode) webhook.path("connectionInfo"))
          .put("kubeConfigFile", "authz/webhook.kubeconfig");
      case "in-cluster" -> c -> ((ObjectNode) webhook.path("connectionInfo"))
          .put("type", "InClusterConfig");
      case "65-conditions" -> c -> {
        for (int i = 0; i < 64; i++) {
          conditions.addObject().put("expression", "request.user != 'u" + i + "'");
        }
      };
      case "duplicate-condition" -> c -> conditions.add(conditions.get(0).deepCopy());
      case "empty-condition" -> c -> conditions.addObject().put("expression", " ");
      case "cache-field" -> c -> webhook.put("cacheAuthorizedRequests", true);
      case "node-twice" -> c -> authorizers.insert(0,
          YAML.createObjectNode().put("type", "Node").put("name", "node"));
      case "webhook-on-rbac" -> c -> ((ObjectNode) authorizers.get(2))
          .set("webhook", webhook.deepCopy());
      case "api-v1beta1" -> c -> c.put("apiVersion", "apiserver.config.k8s.io/v1beta1");
      case "unknown-type" -> c -> ((ObjectNode) authorizers.get(0)).put("type", "Scope");
      default -> throw new IllegalArgumentException(mutation);
    };
    change.accept(config);

    assertThat(AuthorizationConfigurationRules.violations(config)).as(mutation).isNotEmpty();
  }

  @Test
  void theKubeconfigIsTheOneTheConfigurationNamesAndReachesTheAuthorizerPort() throws Exception {
    JsonNode kubeconfig = kubeconfig();
    String named = config().at("/authorizers/1/webhook/connectionInfo/kubeConfigFile").asString();
    assertThat(named).endsWith("/mlflow-policy-webhook.kubeconfig");
    assertThat(kubeconfig.path("current-context").asString()).isNotEmpty();

    URI server = URI.create(kubeconfig.at("/clusters/0/cluster/server").asString());
    assertThat(server.getScheme()).isEqualTo("https");
    assertThat(server.getPath()).isEqualTo(AuthorizerServer.PATH);
    assertThat(server.getQuery()).isNull();
    JsonNode user = kubeconfig.at("/users/0/user");
    for (String file : List.of(user.path("client-certificate").asString(),
        user.path("client-key").asString(),
        kubeconfig.at("/clusters/0/cluster/certificate-authority").asString())) {
      assertThat(file).startsWith("/etc/kubernetes/authz/");
    }

    List<ObjectNode> objects = Kustomize.build(DIR);
    ObjectNode service = Kustomize.find(objects, "Service", "mlflow-policy-webhook");
    // The API server (host network) dials the Service's fixed ClusterIP, which the serving
    // certificate must name.
    assertThat(service.at("/spec/clusterIP").asString()).isEqualTo(server.getHost());
    assertThat(Kustomize.find(objects, "Certificate", "mlflow-policy-webhook")
        .at("/spec/ipAddresses/0").asString()).isEqualTo(server.getHost());
    JsonNode port = null;
    for (JsonNode candidate : service.at("/spec/ports")) {
      if (candidate.path("port").asInt() == server.getPort()) {
        port = candidate;
      }
    }
    assertThat(port).as("a Service port " + server.getPort()).isNotNull();

    JsonNode container = Kustomize.find(objects, "Deployment", "mlflow-policy-webhook")
        .at("/spec/template/spec/containers/0");
    JsonNode containerPort = null;
    for (JsonNode candidate : container.path("ports")) {
      if (candidate.path("name").asString().equals(port.path("targetPort").asString())) {
        containerPort = candidate;
      }
    }
    assertThat(containerPort).isNotNull();
    String listening = null;
    String clientCa = null;
    for (JsonNode env : container.path("env")) {
      switch (env.path("name").asString()) {
        case "WEBHOOK_AUTHORIZER_PORT" -> listening = env.path("value").asString();
        case "WEBHOOK_AUTHORIZER_CLIENT_CA" -> clientCa = env.path("value").asString();
        default -> { }
      }
    }
    assertThat(listening).isEqualTo(String.valueOf(containerPort.path("containerPort").asInt()));
    String ca = clientCa;
    assertThat(container.path("volumeMounts")).anySatisfy(mount ->
        assertThat(ca).startsWith(mount.path("mountPath").asString() + "/"));

    assertThat(Kustomize.find(objects, "NetworkPolicy", "mlflow-policy-webhook")
        .at("/spec/ingress").findValues("port").stream().map(JsonNode::asInt).toList())
        .contains(containerPort.path("containerPort").asInt());
  }
}
