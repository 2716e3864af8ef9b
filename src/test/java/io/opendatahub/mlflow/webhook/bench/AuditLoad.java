package io.opendatahub.mlflow.webhook.bench;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.audit.Auditor;
import io.opendatahub.mlflow.webhook.cli.Handlers;
import io.opendatahub.mlflow.webhook.kube.ClusterAudit;
import io.opendatahub.mlflow.webhook.kube.InformerNamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.PolicyHolder;
import io.opendatahub.mlflow.webhook.testing.Eventually;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.RecordingApiServer;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The background audit on fabric8's mock API server (CRUD, plain HTTP) with NAMESPACES
 * namespaces and BINDINGS RoleBindings of the integration role (every tenth to everyone): heap
 * the informers and results hold, time to the first complete report and the passes and list
 * requests it took, time of a full pass, and from a namespace relabel and from a CR edit to the
 * result. A figure, not a test; run by {@code bench/audit.sh}.
 */
public final class AuditLoad {

  private AuditLoad() {}

  public static void main(String[] args) throws Exception {
    int namespaces = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int bindings = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
    try (RecordingApiServer server = new RecordingApiServer(null);
        KubernetesClient client = server.client()) {
      fill(client, namespaces, bindings);

      long before = heapAfterGc();
      AtomicInteger passes = new AtomicInteger();
      PolicyHolder policy = new PolicyHolder(TestPolicies.shipped());
      long started = System.nanoTime();
      try (InformerNamespaceFacts facts = new InformerNamespaceFacts(client);
          ClusterAudit audit = new ClusterAudit(client, policy, facts,
              new Auditor(new AdmissionService(Handlers.all())), Duration.ofMinutes(10),
              objects -> passes.incrementAndGet())) {
        facts.start();
        audit.start();
        Eventually.until(Duration.ofMinutes(5), "a complete report of every object",
            () -> audit.complete() && audit.results().objects().size() == bindings + 1);
        System.out.printf("start to a complete report: %d ms (%d passes)%n",
            millisSince(started), passes.get());
        long after = heapAfterGc();
        System.out.printf("heap held by the namespace and audit informers and the results:"
            + " %.1f MiB (%d B per namespace+binding)%n", (after - before) / 1048576.0,
            (after - before) / (namespaces + bindings));

        int seen = passes.get();
        long pass = System.nanoTime();
        audit.judgeEverything();
        Eventually.until(Duration.ofMinutes(1), "a full pass", () -> passes.get() > seen);
        System.out.printf("one full pass over %d objects: %d ms%n", bindings + 1,
            millisSince(pass));
        // Counted after the first pass: a watch starts just after its list has been read.
        for (String kind : new String[] {"/namespaces?", "/rolebindings?", "/mlflows?"}) {
          System.out.printf("requests for %s since start: %d lists, %d watches%n", kind,
              server.count(kind) - server.count(kind, "watch=true"),
              server.count(kind, "watch=true"));
        }

        long relabel = System.nanoTime();
        client.namespaces().withName("ns-1").edit(ns -> new NamespaceBuilder(ns).editMetadata()
            .addToLabels("mlflow-policy.io/environment", "production").endMetadata().build());
        System.out.printf("the mock API server took %d ms to apply the relabel%n",
            millisSince(relabel));
        Eventually.until(Duration.ofMinutes(1), "the informer sees the label", () -> facts
            .labels("ns-1").orElse(Map.of()).containsKey("mlflow-policy.io/environment"));
        System.out.printf("the namespace informer saw the relabel after %d ms%n",
            millisSince(relabel));
        Eventually.until(Duration.ofMinutes(1), "the MLflow CR fails", () -> audit.results()
            .objects().stream().anyMatch(o -> o.kind().equals("MLflow") && o.fails()));
        System.out.printf("namespace relabelled to the MLflow CR failing: %d ms%n",
            millisSince(relabel));

        long edit = System.nanoTime();
        client.genericKubernetesResources(ClusterAudit.MLFLOW).resource(Fixtures.JSON
            .convertValue(Fixtures.mlflow("remote-storage.yaml"), GenericKubernetesResource.class))
            .update();
        Eventually.until(Duration.ofMinutes(1), "the fixed MLflow CR passes", () -> audit
            .results().objects().stream().anyMatch(o -> o.kind().equals("MLflow") && !o.fails()));
        System.out.printf("MLflow CR edited (fixed) to its result: %d ms%n", millisSince(edit));
        System.out.printf("passes in all: %d%n", passes.get());
      }
    }
  }

  /**
   * NAMESPACES namespaces, BINDINGS RoleBindings of the integration role spread over them (every
   * tenth to everyone) and one SQLite MLflow CR.
   */
  static void fill(KubernetesClient client, int namespaces, int bindings) {
    long filling = System.nanoTime();
    for (int i = 0; i < namespaces; i++) {
      client.namespaces().resource(new NamespaceBuilder().withNewMetadata()
          .withName("ns-" + i).withLabels(Map.of("team", "t" + (i % 50))).endMetadata()
          .build()).create();
    }
    for (int i = 0; i < bindings; i++) {
      String namespace = "ns-" + (i % namespaces);
      client.rbac().roleBindings().inNamespace(namespace).resource(new RoleBindingBuilder()
          .withNewMetadata().withName("mlflow-" + i).withNamespace(namespace).endMetadata()
          .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
          .withName("mlflow-integration").endRoleRef()
          .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("Group")
          .withName(i % 10 == 0 ? "system:authenticated" : "team-" + i).endSubject().build())
          .create();
    }
    client.genericKubernetesResources(ClusterAudit.MLFLOW).resource(Fixtures.JSON.convertValue(
        Fixtures.mlflow("sqlite-dev.yaml"), GenericKubernetesResource.class)).create();
    System.out.printf("filled the mock API server: %d namespaces, %d RoleBindings, 1 MLflow"
        + " CR in %d ms%n", namespaces, bindings, millisSince(filling));
  }

  private static long millisSince(long start) {
    return (System.nanoTime() - start) / 1_000_000;
  }

  private static long heapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
