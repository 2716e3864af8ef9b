package io.opendatahub.mlflow.webhook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.opendatahub.mlflow.webhook.kube.ClusterAudit;
import io.opendatahub.mlflow.webhook.testing.EnableCrudApiServer;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code audit} reads a (mock) cluster through a kubeconfig and prints check's table: exit 1 when
 * anything would be denied, 0 when nothing would, one line when the cluster cannot be read.
 */
@EnableCrudApiServer
class AuditCommandTest {

  KubernetesClient client;
  KubernetesMockServer server;

  @TempDir Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private Path kubeconfig(String url) throws Exception {
    return Files.writeString(dir.resolve("kubeconfig"), """
        apiVersion: v1
        kind: Config
        clusters:
        - name: mock
          cluster: {server: "%s"}
        users:
        - name: me
          user: {token: s3cr3t-t0ken}
        contexts:
        - name: mock
          context: {cluster: mock, user: me}
        current-context: mock
        """.formatted(url));
  }

  private int audit(String url, String... args) throws Exception {
    return Main.run(List.of(args), Map.of("KUBECONFIG", kubeconfig(url).toString()),
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String mockUrl() {
    return "http://" + server.getHostName() + ":" + server.getPort();
  }

  private void namespace(String name, Map<String, String> labels) {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name)
        .withLabels(labels).endMetadata().build()).create();
  }

  private void mlflow(String fixture) {
    client.genericKubernetesResources(ClusterAudit.MLFLOW).resource(Fixtures.JSON.convertValue(
        Fixtures.mlflow(fixture), GenericKubernetesResource.class)).create();
  }

  private void binding(String name, String role, String group) {
    client.rbac().roleBindings().inNamespace("team-a").resource(new RoleBindingBuilder()
        .withNewMetadata().withName(name).withNamespace("team-a").endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
        .withName(role).endRoleRef()
        .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("Group")
        .withName(group).endSubject().build()).create();
  }

  @Test
  void aBindingToEveryoneAndSqliteInProductionFailWithExitOne() throws Exception {
    namespace("redhat-ods-applications", Map.of());
    namespace("team-a", Map.of("mlflow-policy.io/environment", "production"));
    mlflow("sqlite-dev.yaml");
    binding("mlflow-for-everyone", "mlflow-integration", "system:authenticated");
    binding("viewers", "view", "system:authenticated");

    int code = audit(mockUrl(), "audit", "--policy", "policies");

    String table = out.toString(StandardCharsets.UTF_8);
    assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isEqualTo(1);
    assertThat(table).contains("cluster-scoped MLflow/mlflow: DENIED")
        .contains("namespace team-a RoleBinding/mlflow-for-everyone: DENIED")
        .contains("system:authenticated")
        .contains("set by namespace 'team-a'")
        .as("bindings of other roles are not audited").doesNotContain("viewers")
        .contains("2 objects: 0 admitted, 2 denied");
  }

  @Test
  void aCompliantClusterExitsZero() throws Exception {
    namespace("redhat-ods-applications", Map.of());
    namespace("team-a", Map.of());
    mlflow("sqlite-dev.yaml");
    binding("team-a-mlflow", "mlflow-integration", "team-a-data-scientists");

    int code = audit(mockUrl(), "audit", "--output", "json");

    assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isEqualTo(0);
    assertThat(Fixtures.JSON.readTree(out.toString(StandardCharsets.UTF_8))
        .path("summary").path("denied").asInt()).isZero();
  }

  @Test
  void anUnreachableClusterIsOneLineAndExitTwo() throws Exception {
    int code = audit("http://127.0.0.1:1", "audit");

    String message = err.toString(StandardCharsets.UTF_8);
    assertThat(code).isEqualTo(2);
    assertThat(message.strip()).doesNotContain("\n")
        .startsWith("mlflow-policy-webhook audit: cannot read the cluster at http://127.0.0.1:1")
        .doesNotContain("s3cr3t-t0ken").doesNotContain("\tat ");
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
  }

  @Test
  void unknownArgumentsAreRefusedNamingTheOnesAccepted() throws Exception {
    int code = audit(mockUrl(), "audit", "--namespace", "x");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--policy PATH and --output");
  }
}
