package io.opendatahub.mlflow.webhook.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.admission.AdmissionResponse;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.cli.Handlers;
import io.opendatahub.mlflow.webhook.policy.PolicyLoader;
import io.opendatahub.mlflow.webhook.testing.ChangingNamespaces;
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
  private final ChangingNamespaces namespaces = new ChangingNamespaces();
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
              namespaces: [named]
              namespaceSelector: {matchLabels: {opendatahub.io/dashboard: "true"}}
              annotation: mlflow.opendatahub.io/integration=true
              names: [pipeline-runner-*]
        """));
    namespaces.put("project", Map.of("opendatahub.io/dashboard", "true"))
        .put("plain", Map.of());
    context = new DecisionContext(policy, namespaces);
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
        admit("project", "notebook", true, false),
        admit("project", "pipeline-runner-dspa", false, false),
        admit("named", "notebook", true, false),
        admit("project", "workbench", false, false));

    assertThat(requested).containsExactly("project/notebook", "project/pipeline-runner-dspa",
        "named/notebook");
    assertThat(responses).allSatisfy(r -> {
      assertThat(r.allowed()).isTrue();
      assertThat(r.hasPatch()).isFalse();
    });
  }

  /** #13: the opt-in annotation alone, set by whoever may create a ServiceAccount, is not enough. */
  @Test
  void anOptedInAccountOutsideTheNamespaceScopeIsNotHandedOn() {
    admit("plain", "notebook", true, false);
    admit("plain", "pipeline-runner-dspa", false, false);
    admit("unknown", "notebook", true, false);

    assertThat(requested).isEmpty();
  }

  @Test
  void beforeNamespacesAreKnownOnlyNamedNamespacesAreInScope() {
    namespaces.unsynced();

    admit("project", "notebook", true, false);
    admit("named", "notebook", true, false);

    assertThat(requested).containsExactly("named/notebook");
  }

  @Test
  void aDryRunIsNotHandedOn() {
    admit("plain", "notebook", true, true);

    assertThat(requested).isEmpty();
  }
}
