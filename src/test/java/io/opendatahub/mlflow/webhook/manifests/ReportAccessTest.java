package io.opendatahub.mlflow.webhook.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.opendatahub.mlflow.webhook.audit.AuditReport;
import io.opendatahub.mlflow.webhook.audit.AuditResult;
import io.opendatahub.mlflow.webhook.audit.AuditResult.Severity;
import io.opendatahub.mlflow.webhook.audit.AuditResult.Status;
import io.opendatahub.mlflow.webhook.audit.AuditedObject;
import io.opendatahub.mlflow.webhook.audit.ReportApi;
import io.opendatahub.mlflow.webhook.kube.Leadership;
import io.opendatahub.mlflow.webhook.kube.PolicyReportWriter;
import io.opendatahub.mlflow.webhook.manifests.ClusterAccessTest.Access;
import io.opendatahub.mlflow.webhook.testing.EnableCrudApiServer;
import io.opendatahub.mlflow.webhook.testing.Eventually;
import io.opendatahub.mlflow.webhook.testing.Kustomize;
import io.opendatahub.mlflow.webhook.testing.ReportCrds;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.node.ObjectNode;

/**
 * The shipped ClusterRole allows every call the policy-report writer makes in either API:
 * discovery, list, create, update and delete of both report kinds.
 */
@EnableCrudApiServer
class ReportAccessTest {

  private static final Duration BOUND = Duration.ofSeconds(20);

  KubernetesMockServer server;
  KubernetesClient client;

  private static final Leadership LEADING = Leadership.constant(true);

  private static AuditedObject object(String kind, String namespace, String uid, Status status) {
    return new AuditedObject(kind, "o-" + uid, namespace, uid, "1",
        List.of(new AuditResult("r", status, Severity.HIGH, "m")));
  }

  private GenericKubernetesResource report(ReportApi api, String namespace, String name) {
    ResourceDefinitionContext kind = new ResourceDefinitionContext.Builder()
        .withGroup(api.group()).withVersion(api.version())
        .withKind(namespace == null ? api.clusterKind() : api.namespacedKind())
        .withPlural(namespace == null ? api.clusterPlural() : api.namespacedPlural())
        .withNamespaced(namespace != null).build();
    return namespace == null ? client.genericKubernetesResources(kind).withName(name).get()
        : client.genericKubernetesResources(kind).inNamespace(namespace).withName(name).get();
  }

  @ParameterizedTest
  @EnumSource(ReportApi.class)
  void theShippedRbacCoversEveryReportWrite(ReportApi api) throws Exception {
    ReportCrds.install(client, api == ReportApi.OPENREPORTS ? ReportCrds.OPENREPORTS
        : ReportCrds.WGPOLICY);
    int before = server.getRequestCount();
    Instant now = Instant.parse("2026-12-02T03:00:00Z");
    try (PolicyReportWriter writer = new PolicyReportWriter(client, LEADING)) {
      writer.start();
      writer.publish(new AuditReport(now, "default", "h", true, List.of(
          object("MLflow", null, "u-1", Status.FAIL),
          object("RoleBinding", "team-a", "u-2", Status.FAIL))));
      Eventually.until(BOUND, "both reports are written",
          () -> report(api, null, "u-1") != null && report(api, "team-a", "u-2") != null);
      writer.publish(new AuditReport(now.plusSeconds(1), "default", "h", true, List.of(
          object("MLflow", null, "u-1", Status.PASS))));
      Eventually.until(BOUND, "one updated, the other deleted",
          () -> report(api, "team-a", "u-2") == null && ((ObjectNode) client
              .getKubernetesSerialization().convertValue(report(api, null, "u-1"),
                  ObjectNode.class)).path("summary").path("pass").asInt() == 1);
    }

    Set<Access> calls = new HashSet<>();
    int total = server.getRequestCount();
    for (int i = 0; i < total; i++) {
      RecordedRequest request = server.takeRequest(1, TimeUnit.SECONDS);
      if (i >= before && request != null && !ClusterAccessTest.discovery(request)) {
        calls.add(ClusterAccessTest.access(request));
      }
    }
    String cluster = api.clusterPlural();
    String namespaced = api.namespacedPlural();
    assertThat(calls).contains(new Access(api.group(), cluster, "list"),
        new Access(api.group(), namespaced, "list"), new Access(api.group(), cluster, "create"),
        new Access(api.group(), namespaced, "create"), new Access(api.group(), cluster, "update"),
        new Access(api.group(), namespaced, "delete"));
    ObjectNode role = Kustomize.find(Kustomize.build(Path.of("manifests/base")), "ClusterRole",
        "mlflow-policy-webhook");
    assertThat(calls).filteredOn(call -> call.group().equals(api.group()))
        .allSatisfy(call -> assertThat(ClusterAccessTest.allows(role, call))
            .as("the shipped ClusterRole allows " + call).isTrue());
  }
}
