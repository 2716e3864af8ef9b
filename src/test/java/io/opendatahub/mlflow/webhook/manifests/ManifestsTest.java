package io.opendatahub.mlflow.webhook.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.testing.Kustomize;
import io.opendatahub.mlflow.webhook.testing.TestCertificates;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Every overlay renders to objects that parse with fabric8's model without unknown fields, and
 * that fit together: webhooks reach the Service on a path the server serves, the Service reaches
 * the container, the volumes find the certificate and the policy.
 */
class ManifestsTest {

  private static final Path MANIFESTS = Path.of("manifests");
  private static final List<String> ADMISSION_PATHS = List.of("/validate", "/mutate");
  private static final String NAMESPACE = "mlflow-policy-webhook";

  @TempDir static Path scratch;

  /** The dev overlay needs generated certificates: render a copy that has them. */
  static Path overlay(String name) throws IOException {
    if (!name.equals("dev")) {
      return MANIFESTS.resolve("overlays").resolve(name);
    }
    Path copy = scratch.resolve("manifests-" + System.nanoTime());
    try (Stream<Path> files = Files.walk(MANIFESTS)) {
      for (Path file : files.toList()) {
        Path target = copy.resolve(MANIFESTS.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(target);
        } else {
          Files.copy(file, target);
        }
      }
    }
    Path dev = copy.resolve("overlays/dev");
    TestCertificates certs = TestCertificates.create(dev);
    Files.writeString(dev.resolve("ca-bundle.yaml"), "- op: add\n  path: /webhooks/0/clientConfig/caBundle\n"
        + "  value: " + java.util.Base64.getEncoder().encodeToString(Files.readAllBytes(certs.caCert()))
        + "\n");
    return dev;
  }

  @ParameterizedTest
  @ValueSource(strings = {"openshift", "cert-manager", "dev"})
  void everyObjectParsesWithFabric8sModelWithoutUnknownFields(String name) throws Exception {
    KubernetesSerialization serialization = new KubernetesSerialization();
    List<String> unknown = new ArrayList<>();
    for (ObjectNode object : Kustomize.build(overlay(name))) {
      if (object.path("apiVersion").asString().startsWith("cert-manager.io")) {
        continue;
      }
      Object typed = serialization.unmarshal(object.toString());
      assertThat(typed.getClass().getPackageName()).as(object.path("kind").asString())
          .startsWith("io.fabric8.kubernetes.api.model");
      unknownFields(typed, object.path("kind").asString(), unknown);
    }

    assertThat(unknown).isEmpty();
  }

  @Test
  void theUnknownFieldCheckCatchesATypo() throws Exception {
    Object typo = new KubernetesSerialization().unmarshal("{\"apiVersion\":\"apps/v1\","
        + "\"kind\":\"Deployment\",\"metadata\":{\"name\":\"x\"},\"spec\":{\"replica\":2}}");
    List<String> unknown = new ArrayList<>();

    unknownFields(typo, "Deployment", unknown);

    assertThat(unknown).containsExactly("Deployment.Spec: [replica]");
  }

  @ParameterizedTest
  @ValueSource(strings = {"openshift", "cert-manager", "dev"})
  void webhooksReachTheServiceAndTheServiceReachesTheContainer(String name) throws Exception {
    List<ObjectNode> objects = Kustomize.build(overlay(name));
    ObjectNode service = Kustomize.find(objects, "Service", "mlflow-policy-webhook");
    ObjectNode deployment = Kustomize.find(objects, "Deployment", "mlflow-policy-webhook");
    JsonNode container = deployment.at("/spec/template/spec/containers/0");

    List<JsonNode> webhooks = new ArrayList<>();
    for (ObjectNode configuration : webhookConfigurations(objects)) {
      configuration.path("webhooks").forEach(webhooks::add);
    }
    assertThat(webhookConfigurations(objects)).hasSize(6);
    assertThat(webhooks).isNotEmpty().allSatisfy(webhook -> {
      JsonNode target = webhook.at("/clientConfig/service");
      assertThat(target.path("name").asString()).isEqualTo("mlflow-policy-webhook");
      assertThat(target.path("namespace").asString()).isEqualTo(service.at("/metadata/namespace").asString());
      assertThat(service.at("/spec/ports").findValuesAsString("port"))
          .contains(target.path("port").asString());
      assertThat(ADMISSION_PATHS).contains(target.path("path").asString());
      assertThat(webhook.path("timeoutSeconds").asInt()).isEqualTo(3);
      assertThat(webhook.path("admissionReviewVersions").toString()).isEqualTo("[\"v1\"]");
      assertThat(webhook.path("sideEffects").asString()).isIn("None", "NoneOnDryRun");
    });
    assertThat(Kustomize.find(objects, "ValidatingWebhookConfiguration", "mlflow-policy-webhook")
        .at("/webhooks/0/failurePolicy").asString()).isEqualTo("Fail");

    String targetPort = service.at("/spec/ports/0/targetPort").asString();
    assertThat(container.path("ports").findValuesAsString("name")).contains(targetPort);
    assertThat(env(container, "WEBHOOK_PORT"))
        .isEqualTo(container.at("/ports/0/containerPort").asString());
    assertThat(service.at("/spec/selector")).isEqualTo(deployment.at("/spec/template/metadata/labels"));
    assertThat(Kustomize.find(objects, "PodDisruptionBudget", "mlflow-policy-webhook")
        .at("/spec/selector/matchLabels")).isEqualTo(deployment.at("/spec/template/metadata/labels"));
    for (ObjectNode object : objects) {
      String kind = object.path("kind").asString();
      if (!List.of("Namespace", "ClusterRole", "ClusterRoleBinding", "ValidatingWebhookConfiguration",
          "MutatingWebhookConfiguration").contains(kind)) {
        assertThat(object.at("/metadata/namespace").asString()).as(kind).isEqualTo(NAMESPACE);
      }
      if (kind.equals("RoleBinding") || kind.equals("ClusterRoleBinding")) {
        assertThat(object.at("/subjects/0/namespace").asString()).isEqualTo(NAMESPACE);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"openshift", "cert-manager", "dev"})
  void volumesFindThePolicyAndACertificateThatSomethingIssues(String name) throws Exception {
    List<ObjectNode> objects = Kustomize.build(overlay(name));
    JsonNode pod = Kustomize.find(objects, "Deployment", "mlflow-policy-webhook").at("/spec/template/spec");
    String secret = volume(pod, "certs").at("/secret/secretName").asString();
    String configMap = volume(pod, "policies").at("/configMap/name").asString();

    Kustomize.find(objects, "ConfigMap", configMap);
    String issuedBy = switch (name) {
      case "openshift" -> Kustomize.find(objects, "Service", "mlflow-policy-webhook")
          .at("/metadata/annotations").path("service.beta.openshift.io/serving-cert-secret-name")
          .asString();
      case "cert-manager" -> Kustomize.find(objects, "Certificate", "mlflow-policy-webhook")
          .at("/spec/secretName").asString();
      default -> Kustomize.find(objects, "Secret", secret).at("/metadata/name").asString();
    };
    assertThat(issuedBy).isEqualTo(secret);
    for (ObjectNode webhooks : webhookConfigurations(objects)) {
      String kind = webhooks.at("/metadata/name").asString();
      boolean injected = webhooks.at("/metadata/annotations").has("service.beta.openshift.io/inject-cabundle")
          || webhooks.at("/metadata/annotations").has("cert-manager.io/inject-ca-from")
          || !webhooks.at("/webhooks/0/clientConfig/caBundle").asString("").isEmpty();
      assertThat(injected).as(kind + " gets a caBundle").isTrue();
    }
  }

  @Test
  void thePodRunsRestrictedAndHighlyAvailable() throws Exception {
    List<ObjectNode> objects = Kustomize.build(overlay("openshift"));
    JsonNode deployment = Kustomize.find(objects, "Deployment", "mlflow-policy-webhook");
    JsonNode container = deployment.at("/spec/template/spec/containers/0");

    assertThat(deployment.at("/spec/replicas").asInt()).isEqualTo(2);
    assertThat(deployment.at("/spec/template/spec/securityContext/runAsNonRoot").asBoolean()).isTrue();
    assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(container.at("/securityContext/allowPrivilegeEscalation").asBoolean()).isFalse();
    assertThat(container.at("/securityContext/capabilities/drop").toString()).isEqualTo("[\"ALL\"]");
    assertThat(container.at("/readinessProbe/httpGet/path").asString()).isEqualTo("/readyz");
    assertThat(container.at("/livenessProbe/httpGet/path").asString()).isEqualTo("/healthz");
    assertThat(container.at("/resources/limits/memory").asString()).isNotEmpty();
    assertThat(deployment.at("/spec/template/spec/affinity/podAntiAffinity").isObject()).isTrue();
    int grace = deployment.at("/spec/template/spec/terminationGracePeriodSeconds").asInt();
    assertThat(grace).isGreaterThan(20 + 5);
  }

  @Test
  void theBaseShipsTheSamePolicyAsPolicies() throws Exception {
    assertThat(Files.readString(MANIFESTS.resolve("base/policy.yaml")))
        .as("manifests/base/policy.yaml must be a copy of policies/policy.yaml")
        .isEqualTo(Files.readString(Path.of("policies/policy.yaml")));
  }

  @Test
  void theMonitoringKustomizationRenders() {
    List<ObjectNode> objects = Kustomize.build(MANIFESTS.resolve("monitoring"));

    assertThat(Kustomize.byKind(objects)).containsOnlyKeys("ConfigMap", "PrometheusRule",
        "ServiceMonitor");
  }

  @Test
  void theReportKustomizationsInstallTheReportCrdsAndNothingElse() {
    assertThat(kindNameVersion("reports/wgpolicyk8s")).containsExactlyInAnyOrder(
        "CustomResourceDefinition clusterpolicyreports.wgpolicyk8s.io v1alpha2",
        "CustomResourceDefinition policyreports.wgpolicyk8s.io v1alpha2");
    assertThat(kindNameVersion("reports/openreports")).containsExactlyInAnyOrder(
        "CustomResourceDefinition clusterreports.openreports.io v1alpha1",
        "CustomResourceDefinition reports.openreports.io v1alpha1");
  }

  /** "kind name first-version" of every object the kustomization in {@code dir} renders. */
  private static List<String> kindNameVersion(String dir) {
    return Kustomize.build(MANIFESTS.resolve(dir)).stream()
        .map(o -> o.path("kind").asString() + " " + o.at("/metadata/name").asString() + " "
            + o.at("/spec/versions/0/name").asString())
        .toList();
  }

  private static List<ObjectNode> webhookConfigurations(List<ObjectNode> objects) {
    return objects.stream().filter(o -> o.path("kind").asString().endsWith("WebhookConfiguration"))
        .toList();
  }

  /**
   * Namespace relabels: only UPDATEs, only when the labels change, failing open. The CEL
   * expression's meaning is checked by the real API server in e2e/tests/relabel.sh (no CEL
   * library on the test classpath): a label change is sent, an annotation change is not.
   */
  @ParameterizedTest
  @ValueSource(strings = {"openshift", "cert-manager", "dev"})
  void namespacesAreSentOnlyOnLabelChangingUpdatesAndFailOpen(String name) throws Exception {
    JsonNode webhook = Kustomize.find(Kustomize.build(overlay(name)),
        "ValidatingWebhookConfiguration", "mlflow-policy-webhook-namespaces").at("/webhooks/0");

    assertThat(webhook.path("failurePolicy").asString()).isEqualTo("Ignore");
    assertThat(webhook.path("sideEffects").asString()).isEqualTo("None");
    assertThat(webhook.at("/clientConfig/service/path").asString()).isEqualTo("/validate");
    assertThat(webhook.path("rules").toString()).isEqualTo("[{\"apiGroups\":[\"\"],"
        + "\"apiVersions\":[\"v1\"],\"operations\":[\"UPDATE\"],\"resources\":[\"namespaces\"],"
        + "\"scope\":\"Cluster\"}]");
    assertThat(webhook.path("matchConditions").findValuesAsString("expression")).containsExactly(
        "has(object.metadata.labels) != has(oldObject.metadata.labels) || (has(object.metadata.labels)"
            + " && object.metadata.labels != oldObject.metadata.labels)");
  }

  @Test
  void webhooksForNamespacedKindsNeverReachTheServicesOwnOrSystemNamespaces() throws Exception {
    for (ObjectNode configuration : webhookConfigurations(Kustomize.build(overlay("openshift")))) {
      for (JsonNode webhook : configuration.path("webhooks")) {
        if (!webhook.at("/rules/0/scope").asString().equals("Namespaced")) {
          continue;
        }
        assertThat(webhook.at("/namespaceSelector/matchExpressions/0/values").toString())
            .contains(NAMESPACE).contains("kube-system");
        assertThat(webhook.path("matchConditions").toString()).contains("openshift-");
      }
    }
  }

  private static String env(JsonNode container, String name) {
    for (JsonNode variable : container.path("env")) {
      if (variable.path("name").asString().equals(name)) {
        return variable.path("value").asString();
      }
    }
    return null;
  }

  private static JsonNode volume(JsonNode pod, String name) {
    for (JsonNode volume : pod.path("volumes")) {
      if (volume.path("name").asString().equals(name)) {
        return volume;
      }
    }
    throw new AssertionError("no volume " + name);
  }

  /** Fields fabric8's model did not recognise end up in additionalProperties, at any depth. */
  private static void unknownFields(Object object, String path, List<String> unknown)
      throws Exception {
    if (object == null || !object.getClass().getPackageName().startsWith("io.fabric8.kubernetes")) {
      return;
    }
    for (Method getter : object.getClass().getMethods()) {
      if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get")
          || getter.getDeclaringClass() == Object.class) {
        continue;
      }
      Object value = getter.invoke(object);
      if (getter.getName().equals("getAdditionalProperties")) {
        if (value instanceof Map<?, ?> map && !map.isEmpty()) {
          unknown.add(path + ": " + map.keySet());
        }
        continue;
      }
      String child = path + "." + getter.getName().substring(3);
      if (value instanceof Collection<?> items) {
        for (Object item : items) {
          unknownFields(item, child, unknown);
        }
      } else if (value instanceof Map<?, ?> map) {
        for (Object item : map.values()) {
          unknownFields(item, child, unknown);
        }
      } else {
        unknownFields(value, child, unknown);
      }
    }
  }
}
