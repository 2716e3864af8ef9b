package io.opendatahub.mlflow.webhook.bench;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * For {@code bench/run.sh}: a mock API server (CRUD, plus TokenReview and SubjectAccessReview
 * answers) with a production namespace, a kubeconfig pointing at it, and the request bodies of
 * the workloads. Runs until killed.
 * usage: BenchEnvironment DIR NAMESPACES [ENVIRONMENTS]: with more than the shipped policy's two
 * environments, also writes DIR/policy/policy.yaml: the shipped policy with environments that
 * match no namespace placed first, so every MLflow review classifies every namespace.
 */
public final class BenchEnvironment {

  public static void main(String[] args) throws Exception {
    java.util.logging.Logger.getLogger("io.fabric8.mockwebserver")
        .setLevel(java.util.logging.Level.WARNING);
    Path dir = Files.createDirectories(Path.of(args[0]));
    int namespaces = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    int environments = args.length > 2 ? Integer.parseInt(args[2]) : 2;
    if (environments > 2) {
      writePolicy(dir.resolve("policy"), environments - 2);
    }
    KubernetesMockServer server = BenchApiServer.start();
    KubernetesClient client = server.createClient();
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("team-prod")
        .addToLabels("mlflow-policy.io/environment", "production").endMetadata().build()).create();
    for (int i = 0; i < namespaces; i++) {
      client.namespaces().resource(new NamespaceBuilder().withNewMetadata()
          .withName("workspace-" + i).addToLabels("team", "t" + (i % 7)).endMetadata().build())
          .create();
    }
    writeKubeconfig(dir, client.getConfiguration().getMasterUrl());

    writeBodies(dir);
    System.out.println("mock API server at " + client.getConfiguration().getMasterUrl());
    Thread.currentThread().join();
  }

  /** DIR/WORKLOAD.json: the request body of each workload (the decision benchmark reads them too). */
  public static void writeBodies(Path dir) throws Exception {
    write(dir, "validate-allowed", Files.readAllBytes(
        Path.of("src/test/resources/reviews/mlflow-postgresql.json")));
    // The validate-allowed spec in what an API server really sends: managedFields, status,
    // the last-applied annotation, oldObject (issue 19: decode cost grows with all of that).
    write(dir, "validate-apiserver", ApiServerReview.body());
    write(dir, "validate-denied", Files.readAllBytes(
        Path.of("src/test/resources/reviews/mlflow-sqlite.json")));
    write(dir, "mutate-patch",
        Fixtures.mlflowReview(Fixtures.mlflow("sqlite-no-storage.yaml")).bytes());
    write(dir, "rolebinding-unrelated", new Fixtures.Review()
        .kind("rbac.authorization.k8s.io", "v1", "RoleBinding")
        .object(Fixtures.JSON.readTree("{\"apiVersion\":\"rbac.authorization.k8s.io/v1\","
            + "\"kind\":\"RoleBinding\",\"metadata\":{\"name\":\"viewers\",\"namespace\":\"team-a\"},"
            + "\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"ClusterRole\","
            + "\"name\":\"view\"},\"subjects\":[{\"kind\":\"Group\",\"name\":\"team-a\","
            + "\"apiGroup\":\"rbac.authorization.k8s.io\"}]}")).bytes());
    write(dir, "authorize-cache-hit", ("{\"apiVersion\":\"authorization.k8s.io/v1\","
        + "\"kind\":\"SelfSubjectAccessReview\",\"spec\":{\"resourceAttributes\":{"
        + "\"namespace\":\"team-a\",\"verb\":\"get\",\"group\":\"mlflow.kubeflow.org\","
        + "\"resource\":\"experiments\"}}}").getBytes(StandardCharsets.UTF_8));
    // A route check the tracking server's plugin sends for SearchExperiments: one cached
    // experiments:list review of team-a.
    write(dir, "authorize-mlflow-cache-hit", ("{\"workspace\":\"team-a\",\"method\":\"GET\","
        + "\"path\":\"/api/2.0/mlflow/experiments/search\"}").getBytes(StandardCharsets.UTF_8));
  }

  /** DIR/kubeconfig, pointing the service at the mock API server. */
  static void writeKubeconfig(Path dir, String server) throws java.io.IOException {
    Files.writeString(dir.resolve("kubeconfig"), """
        apiVersion: v1
        kind: Config
        clusters: [{name: mock, cluster: {server: "%s"}}]
        users: [{name: mock, user: {token: bench}}]
        contexts: [{name: mock, context: {cluster: mock, user: mock, namespace: default}}]
        current-context: mock
        """.formatted(server));
  }

  private static void writePolicy(Path dir, int extra) throws Exception {
    String shipped = Files.readString(Path.of("policies/policy.yaml"));
    StringBuilder environments = new StringBuilder("  environments:\n");
    for (int i = 0; i < extra; i++) {
      environments.append("    - name: extra-").append(i).append('\n')
          .append("      namespaceSelector: {matchLabels: {mlflow-policy.io/tier: extra-")
          .append(i).append("}}\n");
    }
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("policy.yaml"),
        shipped.replaceFirst("\n  environments:\n", "\n" + environments));
  }

  private static void write(Path dir, String name, byte[] body) throws Exception {
    Files.write(dir.resolve(name + ".json"), body);
  }
}
