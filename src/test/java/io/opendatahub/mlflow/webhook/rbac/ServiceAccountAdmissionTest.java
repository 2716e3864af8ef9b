package io.opendatahub.mlflow.webhook.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.admission.AdmissionResponse;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.cli.Handlers;
import io.opendatahub.mlflow.webhook.cluster.NamespaceFacts.KnownNamespace;
import io.opendatahub.mlflow.webhook.cluster.StaticNamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.PolicyLoader;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ObjectNode;

/** Which ServiceAccounts admission hands to the reconciler, and that it never blocks or edits. */
class ServiceAccountAdmissionTest {

  @TempDir Path dir;

  private final List<String> requested = new ArrayList<>();
  private AdmissionService service;
  private DecisionContext context;

  @BeforeEach
  void setUp() throws Exception {
    var policy = new PolicyLoader().load(TestPolicies.write(dir, "p.yaml", """
        apiVersion: policy.mlflow-webhook.io/v1alpha1
        kind: MLflowPolicy
        spec:
          environments:
            - name: development
              default: true
          serviceAccountBinding:
            enabled: true
            select:
              annotation: mlflow.opendatahub.io/integration=true
              namespaceSelector: {matchLabels: {opendatahub.io/dashboard: "true"}}
              names: [pipeline-runner-*]
        """));
    context = new DecisionContext(policy, new StaticNamespaceFacts(List.of(
        new KnownNamespace("project", Map.of("opendatahub.io/dashboard", "true")),
        new KnownNamespace("plain", Map.of()))));
    service = new AdmissionService(Handlers.all((ns, name) -> requested.add(ns + "/" + name)));
  }

  private AdmissionResponse admit(String namespace, String name, boolean optIn, boolean dryRun) {
    ObjectNode account = Fixtures.JSON.createObjectNode();
    account.put("apiVersion", "v1").put("kind", "ServiceAccount");
    ObjectNode metadata = account.putObject("metadata").put("name", name)
        .put("namespace", namespace);
    if (optIn) {
      metadata.putObject("annotations").put("mlflow.opendatahub.io/integration", "true");
    }
    return service.mutate(new Fixtures.Review().kind("", "v1", "ServiceAccount").object(account)
        .dryRun(dryRun).request(), context);
  }

  @Test
  void qualifyingAccountsAreHandedOnAndNothingIsPatchedOrRefused() {
    List<AdmissionResponse> responses = List.of(
        admit("plain", "notebook", true, false),
        admit("project", "pipeline-runner-dspa", false, false),
        admit("plain", "pipeline-runner-dspa", false, false),
        admit("project", "workbench", false, false));

    assertThat(requested).containsExactly("plain/notebook", "project/pipeline-runner-dspa");
    assertThat(responses).allSatisfy(r -> {
      assertThat(r.allowed()).isTrue();
      assertThat(r.hasPatch()).isFalse();
    });
  }

  @Test
  void aDryRunIsNotHandedOn() {
    admit("plain", "notebook", true, true);

    assertThat(requested).isEmpty();
  }
}
