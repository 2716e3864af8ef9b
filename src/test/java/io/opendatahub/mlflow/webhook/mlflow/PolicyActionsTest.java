package io.opendatahub.mlflow.webhook.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.admission.AdmissionResponse;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.admission.StaticNamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.policy.PolicyLoader;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ObjectNode;

/** deny, warn, audit and off, set per environment and overridden per rule. */
class PolicyActionsTest {

  private static final String POLICY = """
      apiVersion: policy.mlflow-webhook.io/v1alpha1
      kind: MLflowPolicy
      metadata: {name: actions}
      spec:
        environments:
          - name: production
            namespaces: [prod]
          - name: staging
            default: true
        mlflow:
          deploymentNamespace: mlflow
          environments:
            production:
              backendStore: {schemes: [postgresql]}
              storage: {storageClassNames: [gp3-csi]}
              rules:
                inline-credentials: audit
                forbidden-env: "off"
            staging:
              action: warn
              backendStore: {schemes: [postgresql]}
              rules:
                replicas-shared-volume: deny
      """;

  @TempDir Path dir;

  private final AdmissionService service = new AdmissionService(List.of(new MLflowAdmission()));
  private DecisionContext context;

  @BeforeEach
  void load() throws Exception {
    Policy policy = new PolicyLoader().load(TestPolicies.write(dir, "p.yaml", POLICY));
    context = new DecisionContext(policy, StaticNamespaceFacts.fromPolicy(policy));
  }

  private AdmissionResponse validate(ObjectNode cr, boolean production) {
    if (!production) {
      ((ObjectNode) cr.get("spec")).putObject("workspaceLabelSelector")
          .putObject("matchLabels").put("nothing", "matches");
    }
    return service.validate(Fixtures.mlflowReview(cr).request(), context);
  }

  @Test
  void auditAdmitsAndRecordsAnAuditAnnotationWithoutTheSecret() {
    ObjectNode cr = Fixtures.mlflow("postgres-inline.yaml");

    AdmissionResponse response = validate(cr, true);

    assertThat(response.allowed()).isTrue();
    assertThat(response.warnings()).isEmpty();
    assertThat(response.auditAnnotations()).containsOnlyKeys("policy-inline-credentials");
    assertThat(response.auditAnnotations().get("policy-inline-credentials"))
        .contains("postgresql://mlflow:***@postgres.mlflow.svc:5432/mlflow")
        .doesNotContain("s3cr3t-pa55");
  }

  @Test
  void offSwitchesARuleOff() {
    ObjectNode cr = Fixtures.mlflow("remote-storage.yaml");
    ((ObjectNode) cr.get("spec")).putArray("env").addObject()
        .put("name", "MLFLOW_SERVER_DISABLE_SECURITY_MIDDLEWARE").put("value", "true");

    assertThat(validate(cr, true).findings()).isEmpty();
  }

  @Test
  void aStorageClassOutsideTheAllowListIsDenied() {
    ObjectNode cr = Fixtures.mlflow("remote-storage.yaml");
    ObjectNode storage = ((ObjectNode) cr.get("spec")).put("replicas", 1).putObject("storage");
    storage.put("storageClassName", "slow-hdd");

    AdmissionResponse response = validate(cr, true);

    assertThat(response.allowed()).isFalse();
    assertThat(response.message()).contains("spec.storage.storageClassName: 'slow-hdd' is not"
        + " allowed in environment 'production' (set by namespace 'prod'); allowed: gp3-csi.");
  }

  @Test
  void anEnvironmentActionOfWarnAdmitsWithWarningsWhileAPerRuleDenyStillDenies() {
    ObjectNode cr = Fixtures.mlflow("sqlite-dev.yaml");

    AdmissionResponse warned = validate(cr.deepCopy(), false);
    ((ObjectNode) cr.get("spec")).put("replicas", 3);
    AdmissionResponse denied = validate(cr, false);

    assertThat(warned.allowed()).isTrue();
    assertThat(warned.warnings()).hasSize(2)
        .allSatisfy(w -> assertThat(w).contains("uses scheme sqlite, which environment 'staging'"));
    assertThat(denied.allowed()).isFalse();
    assertThat(denied.message()).startsWith("spec.replicas: 3 replicas cannot share one SQLite file");
    assertThat(denied.warnings()).hasSize(2);
  }
}
