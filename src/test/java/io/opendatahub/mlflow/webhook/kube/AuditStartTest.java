package io.opendatahub.mlflow.webhook.kube;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.opendatahub.mlflow.webhook.admission.AdmissionRequest;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.admission.Finding;
import io.opendatahub.mlflow.webhook.admission.GroupVersionKind;
import io.opendatahub.mlflow.webhook.admission.KindHandler;
import io.opendatahub.mlflow.webhook.admission.PatchOp;
import io.opendatahub.mlflow.webhook.admission.NamespaceFacts.KnownNamespace;
import io.opendatahub.mlflow.webhook.admission.StaticNamespaceFacts;
import io.opendatahub.mlflow.webhook.audit.AuditReport;
import io.opendatahub.mlflow.webhook.audit.AuditedObject;
import io.opendatahub.mlflow.webhook.audit.Auditor;
import io.opendatahub.mlflow.webhook.cli.Handlers;
import io.opendatahub.mlflow.webhook.policy.PolicyHolder;
import io.opendatahub.mlflow.webhook.rbac.RoleBindingAdmission;
import io.opendatahub.mlflow.webhook.testing.Eventually;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.LogCapture;
import io.opendatahub.mlflow.webhook.testing.RecordingApiServer;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the audit starts on a (mock) cluster: one full pass once everything is listed, however
 * many objects the lists hold; without the MLflow CRD, RoleBindings are still audited and the
 * report says why there are no MLflow CRs; one object that cannot be judged stops nothing else.
 */
class AuditStartTest {

  private static final Duration BOUND = Duration.ofSeconds(30);
  private static final String MLFLOW_GROUP = "mlflow.opendatahub.io";

  private final AtomicInteger passes = new AtomicInteger();

  private static void namespace(KubernetesClient client, String name) {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name)
        .endMetadata().build()).create();
  }

  private static void binding(KubernetesClient client, String name, String group) {
    client.rbac().roleBindings().inNamespace("team-a").resource(new RoleBindingBuilder()
        .withNewMetadata().withName(name).withNamespace("team-a").endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
        .withName("mlflow-integration").endRoleRef()
        .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("Group")
        .withName(group).endSubject().build()).create();
  }

  private ClusterAudit audit(KubernetesClient client, InformerNamespaceFacts namespaces) {
    return new ClusterAudit(client, new PolicyHolder(TestPolicies.shipped()), namespaces,
        new Auditor(new AdmissionService(Handlers.all())), Duration.ofMinutes(10),
        objects -> passes.incrementAndGet());
  }

  private ClusterAudit audit(KubernetesClient client, AdmissionService admission,
      ManualWorker worker) {
    return new ClusterAudit(client, TestPolicies::shipped,
        new StaticNamespaceFacts(List.of(new KnownNamespace("team-a", Map.of()))),
        new Auditor(admission), Duration.ofMinutes(10), objects -> passes.incrementAndGet(),
        worker);
  }

  /** Turns the manual worker's clock until the audit is complete. */
  private static void untilComplete(ClusterAudit audit, ManualWorker worker) {
    Eventually.until(BOUND, "the audit is complete", () -> {
      worker.advance(ClusterAudit.SYNC_POLL);
      return audit.complete();
    });
  }

  @Test
  void aThousandBindingsListedAtStartCostOneFullPass() {
    try (RecordingApiServer api = new RecordingApiServer(null);
        KubernetesClient client = api.client()) {
      namespace(client, "team-a");
      for (int i = 0; i < 1_000; i++) {
        binding(client, "mlflow-" + i, "team-" + i);
      }
      try (InformerNamespaceFacts namespaces = new InformerNamespaceFacts(client);
          ClusterAudit audit = audit(client, namespaces)) {
        namespaces.start();
        audit.start();

        Eventually.until(BOUND, "the audit is complete", audit::complete);
        assertThat(passes.get()).as("passes when the report first became complete: one full"
            + " pass once everything was listed, none while the lists came in").isEqualTo(1);
        assertThat(audit.results().objects()).hasSize(1_000);

        binding(client, "mlflow-late", "team-late");
        Eventually.until(BOUND, "the binding made after start is judged",
            () -> audit.results().objects().size() == 1_001);
        assertThat(passes.get()).as("one more pass, for the one new binding: no pass for the"
            + " initial list's events arriving after the full pass").isEqualTo(2);
      }
    }
  }

  @Test
  void withoutTheMlflowCrdRoleBindingsAreAuditedAndTheReportSaysWhy() {
    try (RecordingApiServer api = new RecordingApiServer(MLFLOW_GROUP);
        KubernetesClient client = api.client();
        LogCapture log = new LogCapture("io.opendatahub.mlflow.webhook", Level.DEBUG)) {
      namespace(client, "team-a");
      binding(client, "mlflow-for-everyone", "system:authenticated");
      try (InformerNamespaceFacts namespaces = new InformerNamespaceFacts(client);
          ClusterAudit audit = audit(client, namespaces)) {
        namespaces.start();
        audit.start();

        Eventually.until(BOUND, "the audit is complete", audit::complete);
        AuditReport report = audit.results().report(Instant.EPOCH);
        assertThat(report.complete()).isTrue();
        assertThat(report.objects()).singleElement().satisfies(o -> {
          assertThat(o.kind()).isEqualTo("RoleBinding");
          assertThat(o.fails()).isTrue();
        });
        assertThat(report.unserved()).containsOnlyKeys("MLflow");
        assertThat(report.unserved().get("MLflow")).contains("CRD is not installed");
        assertThat(api.count("GET /apis/" + MLFLOW_GROUP)).as("one look, not a retry loop")
            .isEqualTo(1);
        assertThat(log.lines()).filteredOn(l -> l.contains("MLflow") && !l.contains("DEBUG"))
            .as("one line says the kind is not served; no warnings")
            .singleElement().asString().contains("INFO").contains("not installed");
      }
    }
  }

  @Test
  void anMlflowCrdInstalledLaterIsFoundWithBackoffAndItsCrsJudged() {
    ManualWorker worker = new ManualWorker();
    try (RecordingApiServer api = new RecordingApiServer(MLFLOW_GROUP);
        KubernetesClient client = api.client();
        ClusterAudit audit = audit(client, new AdmissionService(Handlers.all()), worker)) {
      audit.start();
      untilComplete(audit, worker);
      assertThat(audit.results().report(Instant.EPOCH).unserved()).containsKey("MLflow");

      worker.advance(Duration.ofHours(1));
      long looks = api.count("GET /apis/" + MLFLOW_GROUP);
      assertThat(looks).as("looks for the CRD in the first hour: backing off to one per %s",
          MlflowInformer.MAX_RECHECK).isBetween(10L, 20L);

      api.serveEveryGroup();
      client.genericKubernetesResources(ClusterAudit.MLFLOW).resource(Fixtures.JSON.convertValue(
          Fixtures.mlflow("sqlite-dev.yaml"), GenericKubernetesResource.class)).create();
      worker.advance(MlflowInformer.MAX_RECHECK);
      Eventually.until(BOUND, "the MLflow CR is judged once its CRD is served", () -> {
        worker.advance(Duration.ZERO);
        return audit.results().objects().stream().anyMatch(o -> o.kind().equals("MLflow"));
      });
      assertThat(audit.results().report(Instant.EPOCH).unserved()).isEmpty();
    }
  }

  @Test
  void withTheApiServerGoneAPolicyChangeIsJudgedFromTheCaches(@TempDir Path policyDir) {
    ManualWorker worker = new ManualWorker();
    PolicyHolder policy = new PolicyHolder(TestPolicies.shipped());
    RecordingApiServer api = new RecordingApiServer(null);
    try (KubernetesClient client = api.client();
        ClusterAudit audit = new ClusterAudit(client, policy,
            new StaticNamespaceFacts(List.of(new KnownNamespace("team-a", Map.of()))),
            new Auditor(new AdmissionService(Handlers.all())), Duration.ofMinutes(10),
            objects -> passes.incrementAndGet(), worker)) {
      namespace(client, "team-a");
      binding(client, "mlflow-for-everyone", "system:authenticated");
      audit.start();
      untilComplete(audit, worker);
      assertThat(audit.results().objects()).singleElement().matches(AuditedObject::fails);

      api.close();
      var relaxed = TestPolicies.shippedWith(policyDir,
          "integrationRoles: [mlflow-integration, mlflow-operator-mlflow-integration]",
          "integrationRoles: [mlflow-operator-mlflow-integration]");
      policy.replace(relaxed);
      audit.judgeEverything();
      worker.advance(Duration.ZERO);

      AuditReport report = audit.results().report(Instant.EPOCH);
      assertThat(report.policyHash()).as("judged by the new policy, from the caches")
          .isEqualTo(relaxed.hash());
      assertThat(report.objects()).as("the binding's role is no longer guarded").isEmpty();
      assertThat(passes.get()).isEqualTo(2);
    }
  }

  @Test
  void anObjectThatCannotBeJudgedStopsNoOther() {
    KindHandler bindings = new RoleBindingAdmission();
    KindHandler failsOnOne = new KindHandler() {
      @Override
      public boolean handles(GroupVersionKind kind) {
        return bindings.handles(kind);
      }

      @Override
      public List<Finding> validate(AdmissionRequest request, DecisionContext context) {
        if (request.name().equals("unjudgeable")) {
          throw new IllegalStateException("a bug met an object it did not expect");
        }
        return bindings.validate(request, context);
      }

      @Override
      public List<PatchOp> mutate(AdmissionRequest request, DecisionContext context) {
        return bindings.mutate(request, context);
      }
    };
    ManualWorker worker = new ManualWorker();
    try (RecordingApiServer api = new RecordingApiServer(null);
        KubernetesClient client = api.client();
        ClusterAudit audit = audit(client, new AdmissionService(List.of(failsOnOne)), worker)) {
      namespace(client, "team-a");
      List<String> names = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        names.add("mlflow-" + i);
        binding(client, "mlflow-" + i, "team-" + i);
      }
      binding(client, "unjudgeable", "team-x");
      audit.start();
      untilComplete(audit, worker);

      assertThat(passes.get()).as("the pass was published").isEqualTo(1);
      assertThat(audit.results().objects()).extracting(AuditedObject::name)
          .containsExactlyInAnyOrderElementsOf(names);
    }
  }
}
