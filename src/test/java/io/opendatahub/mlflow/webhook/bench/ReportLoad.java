package io.opendatahub.mlflow.webhook.bench;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.audit.AuditResults;
import io.opendatahub.mlflow.webhook.audit.Auditor;
import io.opendatahub.mlflow.webhook.audit.ReportApi;
import io.opendatahub.mlflow.webhook.cli.Handlers;
import io.opendatahub.mlflow.webhook.kube.ClusterAudit;
import io.opendatahub.mlflow.webhook.kube.InformerNamespaceFacts;
import io.opendatahub.mlflow.webhook.kube.Leadership;
import io.opendatahub.mlflow.webhook.kube.PolicyReportWriter;
import io.opendatahub.mlflow.webhook.policy.PolicyHolder;
import io.opendatahub.mlflow.webhook.testing.CrudApiServer;
import io.opendatahub.mlflow.webhook.testing.Eventually;
import io.opendatahub.mlflow.webhook.testing.ReportCrds;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The background audit and the policy-report writer on fabric8's mock API server (CRUD, plain
 * HTTP) with the openreports.io CRDs, NAMESPACES namespaces and BINDINGS bindings of the
 * integration role (every tenth to everyone) and one MLflow CR: time from start to every report
 * written, report writes per audit period on an unchanged cluster, and time from a change (a
 * namespace relabel, a CR fix) to its report. A figure, not a test; run by
 * {@code bench/reports.sh}.
 */
public final class ReportLoad {

  private static final Leadership LEADING = Leadership.constant(true);

  private ReportLoad() {}

  public static void main(String[] args) throws Exception {
    int namespaces = args.length > 0 ? Integer.parseInt(args[0]) : 1_000;
    int bindings = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
    Duration period = Duration.ofSeconds(1);
    KubernetesMockServer server = CrudApiServer.start();
    try (KubernetesClient client = server.createClient()) {
      ReportCrds.install(client, ReportCrds.OPENREPORTS);
      AuditLoad.fill(client, namespaces, bindings);
      String uid = client.genericKubernetesResources(ClusterAudit.MLFLOW).withName("mlflow").get()
          .getMetadata().getUid();
      drain(server);

      PolicyHolder policy = new PolicyHolder(TestPolicies.shipped());
      AtomicInteger passes = new AtomicInteger();
      AtomicReference<AuditResults> results = new AtomicReference<>();
      long started = System.nanoTime();
      try (InformerNamespaceFacts facts = new InformerNamespaceFacts(client);
          PolicyReportWriter writer = new PolicyReportWriter(client, LEADING)) {
        ClusterAudit audit = new ClusterAudit(client, policy, facts,
            new Auditor(new AdmissionService(Handlers.all())), period, objects -> {
              passes.incrementAndGet();
              writer.publish(results.get().report(Instant.now()));
            });
        results.set(audit.results());
        writer.start();
        facts.start();
        audit.start();
        ResourceDefinitionContext clusterReports = new ResourceDefinitionContext.Builder()
            .withGroup("openreports.io").withVersion("v1alpha1").withKind("ClusterReport")
            .withPlural("clusterreports").withNamespaced(false).build();
        ResourceDefinitionContext reports = new ResourceDefinitionContext.Builder()
            .withGroup("openreports.io").withVersion("v1alpha1").withKind("Report")
            .withPlural("reports").withNamespaced(true).build();
        Eventually.until(Duration.ofMinutes(5), "every object's report is written",
            () -> client.genericKubernetesResources(reports).inAnyNamespace().list().getItems()
                .size() == bindings
                && client.genericKubernetesResources(clusterReports).withName(uid).get() != null);
        System.out.printf("start to all %d reports written: %d ms%n", bindings + 1,
            millisSince(started));

        drain(server);
        int before = passes.get();
        Eventually.pace(period.multipliedBy(10));
        int seen = passes.get() - before;
        List<String> writes = reportWrites(server);
        System.out.printf("unchanged cluster: %d report writes over %d audit passes of %d"
            + " objects (%.2f per pass)%n", writes.size(), seen, bindings + 1,
            writes.size() / (double) Math.max(1, seen));

        List<Long> relabels = new ArrayList<>();
        List<Long> fixes = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
          drain(server);
          long relabel = System.nanoTime();
          client.namespaces().withName("ns-1").edit(ns -> new NamespaceBuilder(ns)
              .editMetadata().addToLabels("mlflow-policy.io/environment", "production")
              .endMetadata().build());
          Eventually.until(Duration.ofMinutes(1), "the CR's report fails",
              () -> fails(client, clusterReports, uid) > 0);
          relabels.add(millisSince(relabel));
          long fix = System.nanoTime();
          client.namespaces().withName("ns-1").edit(ns -> new NamespaceBuilder(ns)
              .editMetadata().removeFromLabels("mlflow-policy.io/environment")
              .endMetadata().build());
          Eventually.until(Duration.ofMinutes(1), "the CR's report passes again",
              () -> fails(client, clusterReports, uid) == 0);
          fixes.add(millisSince(fix));
          List<String> roundWrites = reportWrites(server);
          if (round == 0) {
            System.out.printf("report writes for one relabel and its undo: %s%n", roundWrites);
          }
        }
        System.out.printf("namespace relabelled production to the CR's report failing: %s ms%n",
            relabels);
        System.out.printf("label removed to the CR's report passing again: %s ms%n", fixes);
        audit.close();
      }
    } finally {
      server.destroy();
    }
  }

  private static int fails(KubernetesClient client, ResourceDefinitionContext kind, String uid) {
    GenericKubernetesResource report = client.genericKubernetesResources(kind).withName(uid)
        .get();
    Object summary = report == null ? null : report.getAdditionalProperties().get("summary");
    return summary instanceof Map<?, ?> counts && counts.get("fail") instanceof Number n
        ? n.intValue() : -1;
  }

  private static void drain(KubernetesMockServer server) throws InterruptedException {
    while (server.takeRequest(10, TimeUnit.MILLISECONDS) != null) {
      // the request log only grows; what came before this point is not counted
    }
  }

  private static List<String> reportWrites(KubernetesMockServer server)
      throws InterruptedException {
    List<String> writes = new ArrayList<>();
    RecordedRequest request;
    while ((request = server.takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
      if (!request.getMethod().equals("GET") && request.getPath().startsWith("/apis/"
          + ReportApi.OPENREPORTS.group() + "/")) {
        writes.add(request.getMethod() + " " + request.getPath().replaceAll("[0-9a-f-]{36}",
            "<uid>"));
      }
    }
    return writes;
  }

  private static long millisSince(long start) {
    return (System.nanoTime() - start) / 1_000_000;
  }
}
