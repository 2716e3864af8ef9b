package io.opendatahub.mlflow.webhook.admission;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.mlflow.MLflowAdmission;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.policy.PolicyException;
import io.opendatahub.mlflow.webhook.policy.PolicyLoader;
import io.opendatahub.mlflow.webhook.rbac.RoleBindingAdmission;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The admission decision against the one the service made before issue 19's work on the
 * decision itself (the code of 5a3467d, kept in {@code legacy.decision}): every answer, to the
 * last finding (rule, action, field, message, order), warning, audit annotation, denial message
 * and patch, must be the same. Judged: every MLflow fixture, upstream sample and review fixture,
 * and each of them with one spec field removed or replaced by each of a catalogue of values (URIs
 * of every scheme, with passwords, secret queries and sslmodes, empty and blank ones, relative
 * paths; env lists that trip every env rule, past the per-rule cap; volumes; TLS settings;
 * values of the wrong type), created, and updated from and to the unchanged CR; under several
 * policies, with the namespaces known and not yet known. RoleBindings: every roleRef shape with
 * every list of up to two subjects from a catalogue, managed or not, by a manager or not, for
 * every operation.
 */
class DecisionDifferentialTest {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final AdmissionService current = new AdmissionService(
      List.of(new MLflowAdmission(), new RoleBindingAdmission()));
  private final io.opendatahub.mlflow.webhook.legacy.decision.AdmissionService legacy =
      new io.opendatahub.mlflow.webhook.legacy.decision.AdmissionService(List.of(
          new io.opendatahub.mlflow.webhook.legacy.decision.MLflowAdmission(),
          new RoleBindingAdmission()));

  /** Namespace facts before the informer's first list: the strictest environment applies. */
  private static final NamespaceFacts UNSYNCED = new NamespaceFacts() {
    @Override
    public Optional<Map<String, String>> labels(String namespace) {
      return Optional.empty();
    }

    @Override
    public Collection<KnownNamespace> namespaces() {
      return List.of();
    }

    @Override
    public boolean synced() {
      return false;
    }
  };

  /** A policy where rules audit, warn, deny or are off, with storage classes and sizes. */
  private static final String MIXED_POLICY = """
      apiVersion: policy.mlflow-webhook.io/v1alpha1
      kind: MLflowPolicy
      metadata: {name: mixed}
      spec:
        environments:
          - name: production
            namespaces: [team-prod]
          - name: staging
            namespaces: [redhat-ods-applications]
          - name: development
            default: true
        mlflow:
          deploymentNamespace: redhat-ods-applications
          environments:
            production:
              action: audit
              backendStore: {schemes: [postgresql], inlineCredentials: warn}
              artifacts: {schemes: [s3, gs]}
              storage: {minSize: 5Gi, maxSize: 100Gi, storageClassNames: ["", gp3-csi]}
              rules:
                database-tls: deny
                empty-uri: off
                garbage-collection: audit
            staging:
              action: warn
              backendStore: {schemes: [], inlineCredentials: off}
              storage: {storageClassNames: [fast]}
              rules:
                artifact-serving: deny
                operator-managed-env: audit
                forbidden-env: off
                storage-ignored-field: deny
            development:
              action: deny
          defaults:
            storage: {size: 3Gi, storageClassName: fast}
      """;

  @Test
  void mlflowDecisionsAreTheOldOnes(@TempDir Path dir) {
    List<DecisionContext> contexts = contexts(dir);
    Map<String, ObjectNode> bases = mlflowBases();
    List<String> problems = new ArrayList<>();
    Map<String, Integer> covered = new TreeMap<>();
    int decisions = 0;
    for (Map.Entry<String, ObjectNode> base : bases.entrySet()) {
      ObjectNode object = base.getValue();
      for (Map.Entry<String, ObjectNode> variant : variants(object).entrySet()) {
        String name = base.getKey() + " " + variant.getKey();
        ObjectNode changed = variant.getValue();
        // Every policy for the CRs as they are; the shipped one (namespaces known and not yet)
        // and the one with every action for the variants; the shipped one for updates.
        int judgedBy = changed == object ? contexts.size() : 3;
        for (int c = 0; c < judgedBy; c++) {
          DecisionContext context = contexts.get(c);
          decisions += compare(name + " create, context " + c,
              mlflowRequest("CREATE", changed, null, null), context, problems, covered);
          if (c == 0) {
            decisions += compare(name + " update from base, context " + c,
                mlflowRequest("UPDATE", changed, object, null), context, problems, covered);
            decisions += compare(name + " update to base, context " + c,
                mlflowRequest("UPDATE", object, changed, null), context, problems, covered);
          }
        }
      }
      for (DecisionContext context : contexts) {
        decisions += compare(base.getKey() + " status", mlflowRequest("UPDATE", object, object,
            "status"), context, problems, covered);
        decisions += compare(base.getKey() + " delete", mlflowRequest("DELETE", null, object,
            null), context, problems, covered);
      }
    }

    assertSame(problems, decisions, covered);
    assertThat(bases).hasSizeGreaterThan(30);
    assertThat(decisions).isGreaterThan(100_000);
    // What the cases reached: every rule, denials, ratcheted and capped findings, patches.
    assertThat(covered.keySet()).contains("denied", "allowed", "patched", "ratcheted",
        "malformed-spec", "database-tls", "inline-credentials", "operator-managed-env",
        "forbidden-env", "storage-class", "storage-size", "storage-required",
        "replicas-shared-volume", "artifact-serving", "artifact-scheme", "metadata-store-file",
        "metadata-store-scheme", "metadata-store-missing", "empty-uri", "garbage-collection",
        "migration-always-custom-image", "storage-data-source", "storage-ignored-field",
        "store-secret-optional", "backend-store-switch", "storage-shrink", "access-mode-change",
        "more not listed", "audit annotation");
  }

  @Test
  void roleBindingDecisionsAreTheOldOnes(@TempDir Path dir) {
    Policy shipped = TestPolicies.shipped();
    Policy kinds = TestPolicies.shippedWith(dir, "    crossNamespaceServiceAccounts: deny",
        "    crossNamespaceServiceAccounts: allow\n    allowedSubjectKinds: [ServiceAccount, User]");
    List<String> roleRefs = List.of(
        "{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"ClusterRole\",\"name\":\"view\"}",
        "{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"ClusterRole\","
            + "\"name\":\"mlflow-integration\"}",
        "{\"kind\":\"Role\",\"name\":\"mlflow-operator-mlflow-integration\"}",
        "{\"name\":\"mlflow-integration\"}",
        "{\"kind\":5,\"name\":\"mlflow-integration\"}",
        "{\"kind\":\"ClusterRole\",\"name\":5}",
        "{\"kind\":\"ClusterRole\"}",
        "\"mlflow-integration\"",
        "null");
    List<String> subjects = List.of(
        "{\"kind\":\"ServiceAccount\",\"name\":\"runner\"}",
        "{\"kind\":\"ServiceAccount\",\"name\":\"runner\",\"namespace\":\"elsewhere\"}",
        "{\"kind\":\"ServiceAccount\",\"name\":\"runner\",\"namespace\":\"team-a\"}",
        "{\"kind\":\"ServiceAccount\",\"name\":5}",
        "{\"kind\":\"Group\",\"name\":\"system:authenticated\"}",
        "{\"kind\":\"Group\",\"name\":\"system:authenticated:oauth\"}",
        "{\"kind\":\"Group\",\"name\":\"system:serviceaccounts:elsewhere\"}",
        "{\"kind\":\"Group\",\"name\":\"system:serviceaccounts:\"}",
        "{\"kind\":\"Group\",\"name\":\"team-a\"}",
        "{\"kind\":\"User\",\"name\":\"system:anonymous\"}",
        "{\"kind\":\"User\",\"name\":\"system:serviceaccount:elsewhere:runner\"}",
        "{\"kind\":\"User\",\"name\":\"alice\"}",
        "{\"kind\":\"Robot\",\"name\":\"r2\"}",
        "\"not an object\"");
    List<String> subjectLists = new ArrayList<>(List.of("", "\"subjects\":null,",
        "\"subjects\":\"x\",", "\"subjects\":[],"));
    for (String first : subjects) {
      subjectLists.add("\"subjects\":[" + first + "],");
      for (String second : subjects) {
        subjectLists.add("\"subjects\":[" + first + "," + second + "],");
      }
    }
    List<String> problems = new ArrayList<>();
    Map<String, Integer> covered = new TreeMap<>();
    int decisions = 0;
    for (String roleRef : roleRefs) {
      for (String subjectList : subjectLists) {
        for (boolean managed : List.of(false, true)) {
          for (boolean namespaced : List.of(true, false)) {
            ObjectNode binding = (ObjectNode) Fixtures.JSON.readTree(
                "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"RoleBinding\","
                    + "\"metadata\":{\"name\":\"b\"" + (namespaced ? ",\"namespace\":\"team-a\""
                    : "") + (managed ? ",\"labels\":{\"app.kubernetes.io/managed-by\":"
                    + "\"mlflow-policy-webhook\"}" : "") + "}," + subjectList
                    + "\"roleRef\":" + roleRef + "}");
            for (String user : List.of("alice",
                "system:serviceaccount:mlflow-policy-webhook:mlflow-policy-webhook",
                "system:serviceaccount:kube-system:generic-garbage-collector")) {
              for (String operation : List.of("CREATE", "UPDATE", "DELETE")) {
                JsonNode object = operation.equals("DELETE") ? null : binding;
                JsonNode old = operation.equals("CREATE") ? null : binding;
                AdmissionRequest request = new AdmissionRequest("uid", new GroupVersionKind(
                    "rbac.authorization.k8s.io", "v1", "RoleBinding"), null, "b", "team-a",
                    Operation.valueOf(operation), new AdmissionRequest.UserInfo(user, List.of()),
                    object, old, false);
                for (Policy policy : List.of(shipped, kinds)) {
                  decisions += compare(roleRef + " " + subjectList + " managed=" + managed
                      + " namespaced=" + namespaced + " by " + user + " " + operation, request,
                      new DecisionContext(policy, StaticNamespaceFacts.fromPolicy(policy)),
                      problems, covered);
                }
              }
            }
          }
        }
      }
    }
    assertSame(problems, decisions, covered);
    assertThat(covered.keySet()).contains("denied", "allowed", "patched",
        "rolebinding-unreadable", "rolebinding-role-kind", "rolebinding-forbidden-group",
        "rolebinding-cross-namespace-sa", "rolebinding-managed", "rolebinding-subject-kind");
  }

  /** No answer differs; else the first few that do, and how many. */
  private static void assertSame(List<String> problems, int decisions,
      Map<String, Integer> covered) {
    assertThat(problems.size()).as("answers that differ, of %d decisions (%s); the first:\n%s",
        decisions, covered, String.join("\n", problems.subList(0, Math.min(5, problems.size()))))
        .isZero();
  }

  /** Validates and mutates with both; returns how many decisions were compared. */
  private int compare(String name, AdmissionRequest request, DecisionContext context,
      List<String> problems, Map<String, Integer> covered) {
    AdmissionResponse expected = legacy.validate(request, context);
    AdmissionResponse actual = current.validate(request, context);
    if (!actual.equals(expected)) {
      problems.add(name + ": validate answered\n  " + actual + "\nbefore\n  " + expected);
    }
    AdmissionResponse expectedPatch = legacy.mutate(request, context);
    AdmissionResponse actualPatch = current.mutate(request, context);
    if (!actualPatch.equals(expectedPatch)) {
      problems.add(name + ": mutate answered\n  " + actualPatch + "\nbefore\n  " + expectedPatch);
    }
    covered.merge(expected.allowed() ? "allowed" : "denied", 1, Integer::sum);
    if (expectedPatch.hasPatch()) {
      covered.merge("patched", 1, Integer::sum);
    }
    if (!expected.auditAnnotations().isEmpty()) {
      covered.merge("audit annotation", 1, Integer::sum);
    }
    for (Finding finding : expected.findings()) {
      covered.merge(finding.rule(), 1, Integer::sum);
      if (finding.ratcheted()) {
        covered.merge("ratcheted", 1, Integer::sum);
      }
      if (finding.message().contains("findings are not listed")) {
        covered.merge("more not listed", 1, Integer::sum);
      }
    }
    return 2;
  }

  private static AdmissionRequest mlflowRequest(String operation, JsonNode object,
      JsonNode oldObject, String subResource) {
    return new AdmissionRequest("uid", new GroupVersionKind("mlflow.opendatahub.io", "v1",
        "MLflow"), subResource, "mlflow", null, Operation.valueOf(operation),
        new AdmissionRequest.UserInfo("alice", List.of()), object, oldObject, false);
  }

  /**
   * The shipped policy with the namespaces known and not yet known, the examples, and a policy
   * that uses every action.
   */
  private static List<DecisionContext> contexts(Path dir) {
    Policy shipped = TestPolicies.shipped();
    Policy mixed = load(TestPolicies.write(dir.resolve("mixed"), "policy.yaml", MIXED_POLICY));
    List<DecisionContext> contexts = new ArrayList<>();
    contexts.add(new DecisionContext(shipped, StaticNamespaceFacts.fromPolicy(shipped)));
    contexts.add(new DecisionContext(mixed, StaticNamespaceFacts.fromPolicy(mixed)));
    contexts.add(new DecisionContext(shipped, UNSYNCED));
    // Checked once each, on the CRs as they are.
    for (String example : List.of("strict-production.yaml", "permissive-development.yaml")) {
      Policy policy = load(Path.of("policies/examples", example));
      contexts.add(new DecisionContext(policy, StaticNamespaceFacts.fromPolicy(policy)));
    }
    return contexts;
  }

  private static Policy load(Path file) {
    try {
      return new PolicyLoader().load(file);
    } catch (PolicyException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  /** Every MLflow fixture, upstream sample and review fixture's object, and odd whole objects. */
  private static Map<String, ObjectNode> mlflowBases() {
    Map<String, ObjectNode> bases = new LinkedHashMap<>();
    for (String directory : List.of("mlflow", "mlflow/upstream")) {
      try (Stream<Path> files = Files.list(Path.of("src/test/resources", directory))) {
        files.map(file -> file.getFileName().toString())
            .filter(name -> name.endsWith(".yaml") && !name.equals("expected.yaml")).sorted()
            .forEach(name -> bases.put(directory + "/" + name,
                Fixtures.yaml(directory + "/" + name)));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    try (Stream<Path> files = Files.list(Path.of("src/test/resources/reviews"))) {
      for (Path file : files.sorted().toList()) {
        bases.put("reviews/" + file.getFileName(), (ObjectNode) Fixtures.JSON.readTree(
            Files.readAllBytes(file)).path("request").path("object"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    bases.put("every field", (ObjectNode) Fixtures.JSON.readTree(EVERY_FIELD));
    bases.put("no spec", (ObjectNode) Fixtures.JSON.readTree("{\"metadata\":{\"name\":\"m\"}}"));
    bases.put("spec a string", (ObjectNode) Fixtures.JSON.readTree("{\"spec\":\"x\"}"));
    bases.put("spec empty", (ObjectNode) Fixtures.JSON.readTree("{\"spec\":{}}"));
    return bases;
  }

  /** A CR that sets every field a rule reads. */
  private static final String EVERY_FIELD = """
      {"apiVersion": "mlflow.opendatahub.io/v1", "kind": "MLflow", "metadata": {"name": "mlflow"},
       "spec": {
         "backendStoreUri": "postgresql://db.example:5432/mlflow?sslmode=verify-full",
         "registryStoreUri": "postgresql://db.example:5432/registry",
         "readReplicaBackendStoreUri": "postgresql://replica.example/mlflow?sslmode=require",
         "artifactsDestination": "s3://bucket/artifacts",
         "defaultArtifactRoot": "mlflow-artifacts:/",
         "serveArtifacts": true,
         "replicas": 2,
         "workspaceLabelSelector": {"matchLabels": {"team": "a"}},
         "storage": {"accessModes": ["ReadWriteMany"], "storageClassName": "gp3-csi",
                     "resources": {"requests": {"storage": "20Gi"}}},
         "env": [{"name": "LOG_LEVEL", "value": "debug"},
                 {"name": "AWS_SECRET_ACCESS_KEY", "valueFrom": {"secretKeyRef": {"name": "s"}}}],
         "envFrom": [{"secretRef": {"name": "s3"}}],
         "image": {"image": "quay.io/example/mlflow:3"},
         "migration": {"mode": "Automatic"},
         "traceArchival": {"enabled": true, "location": "s3://bucket/traces"},
         "garbageCollection": {"schedule": "0 3 * * *", "olderThan": "30d"},
         "caBundleConfigMap": {"name": "ca", "key": "ca.crt"},
         "backendStoreUriFrom": {"name": "db", "key": "uri"},
         "registryStoreUriFrom": {"name": "db", "key": "registry"},
         "readReplicaBackendStoreUriFrom": {"name": "replica", "key": "uri"}
       }}
      """;

  private static final List<String> URIS = List.of("", "   ", "sqlite:////mlflow/mlflow.db",
      "sqlite+pysqlite:///relative.db", "SQLite:////mlflow/x.db", "file:///mlflow/artifacts",
      "/mlflow/artifacts", "relative/path", "./mlruns", "C:/mlruns",
      "postgresql://user:pw@db:5432/mlflow", "postgresql+psycopg2://db/mlflow?sslmode=require",
      "postgresql://db/mlflow?sslmode=verify-full", "postgresql://db/mlflow?SSLMODE=Disable",
      "postgresql://u@db/m?password=x&sslmode=prefer", "postgresql://db/m?sslmode=verify-ca",
      "postgresql://db/m?ssl%6Dode=allow", "postgres://h/d?sslmode=allow",
      "postgresql://u:p@ss@h/d", "mysql://u:p@db/m", "mysql+pymysql://db/m?ssl_ca=/etc/ca.pem",
      "mysql://db/m", "mssql://u:p@h/d", "oracle://u:@h/d", "s3://bucket/path",
      "s3://AKIA:secret@bucket/path", "s3://bucket/p?X-Amz-Signature=abc&X-Amz-Credential=c",
      "s3://host:9000/a@b", "gs://b/p", "wasbs://c@acct.blob.core.windows.net/p",
      "mlflow-artifacts:/", "mlflow-artifacts:///x", "mlflow-artifacts://host/x",
      "MLFLOW-ARTIFACTS:/y", "hdfs://nn/p", "https://user:tok@host/x?token=abc#frag",
      "ftp://x;password=y", "s3://b/" + "k".repeat(300) + "?sig=1",
      "postgresql://u:" + "p".repeat(400) + "@h/d");

  private static final List<String> STORE_SECRETS = List.of("{\"name\":\"db\",\"key\":\"uri\"}",
      "{\"name\":\"db\",\"key\":\"uri\",\"optional\":true}",
      "{\"name\":\"other\",\"key\":\"k\",\"optional\":false}", "{\"optional\":\"true\"}",
      "{}", "\"x\"", "null");

  /** Spec fields and the values each is set to, besides being removed. */
  private static Map<String, List<String>> catalogue() {
    Map<String, List<String>> values = new LinkedHashMap<>();
    List<String> uris = new ArrayList<>(URIS.stream().map(DecisionDifferentialTest::quoted)
        .toList());
    uris.addAll(List.of("42", "true", "{\"a\":1}", "[\"s3://b\"]", "null"));
    for (String field : List.of("backendStoreUri", "registryStoreUri",
        "readReplicaBackendStoreUri", "artifactsDestination", "defaultArtifactRoot")) {
      values.put(field, uris);
    }
    for (String field : List.of("backendStoreUriFrom", "registryStoreUriFrom",
        "readReplicaBackendStoreUriFrom")) {
      values.put(field, STORE_SECRETS);
    }
    values.put("serveArtifacts", List.of("true", "false", "\"true\"", "null", "1"));
    values.put("replicas", List.of("0", "1", "2", "3", "\"2\"", "2.5", "-1", "null"));
    values.put("workspaceLabelSelector", List.of("{}", "{\"matchLabels\":{\"team\":\"t1\"}}",
        "{\"matchLabels\":{\"mlflow-policy.io/environment\":\"production\"}}",
        "{\"matchExpressions\":[{\"key\":\"kubernetes.io/metadata.name\",\"operator\":\"In\","
            + "\"values\":[\"team-prod\"]}]}",
        "{\"matchLabels\":\"bad\"}", "\"x\""));
    values.put("storage", List.of("{}", "null", "\"x\"",
        "{\"resources\":{\"requests\":{\"storage\":\"1Gi\"}}}",
        "{\"resources\":{\"requests\":{\"storage\":\"10Gi\"}},\"accessModes\":[\"ReadWriteOnce\"]}",
        "{\"resources\":{\"requests\":{\"storage\":\"2Ti\"}},\"storageClassName\":\"gp3-csi\"}",
        "{\"resources\":{\"requests\":{\"storage\":\"abc\"}}}",
        "{\"resources\":{\"requests\":{\"storage\":5}}}",
        "{\"resources\":{\"requests\":{\"storage\":true}}}",
        "{\"resources\":{\"requests\":{}},\"accessModes\":[]}",
        "{\"resources\":\"x\"}", "{\"resources\":{\"requests\":[]}}",
        "{\"accessModes\":[\"ReadWriteMany\"],\"storageClassName\":\"\"}",
        "{\"accessModes\":[\"ReadWriteOnce\",\"ReadOnlyMany\"],\"storageClassName\":\"fast\"}",
        "{\"accessModes\":[\"ReadWriteOncePod\"]}", "{\"accessModes\":[5]}",
        "{\"accessModes\":\"ReadWriteOnce\"}", "{\"storageClassName\":5}",
        "{\"resources\":{\"requests\":{\"storage\":\"10Gi\"}},\"dataSource\":{\"name\":\"snap\","
            + "\"kind\":\"VolumeSnapshot\"},\"dataSourceRef\":{\"name\":\"s\"},\"volumeName\":\"pv\"}",
        "{\"selector\":{\"matchLabels\":{\"a\":\"b\"}},\"volumeMode\":\"Block\","
            + "\"volumeAttributesClassName\":\"x\",\"resources\":{\"limits\":{\"storage\":\"1Gi\"}}}",
        "{\"selector\":{},\"volumeMode\":\"\",\"dataSource\":null}"));
    List<String> env = new ArrayList<>(List.of("[]", "\"x\"", "null", "[\"x\", 5, null]",
        "[{\"name\":\"MLFLOW_SERVER_DISABLE_SECURITY_MIDDLEWARE\",\"value\":\"true\"},"
            + "{\"name\":\"MLFLOW_SERVER_ENABLE_JOB_EXECUTION\"}]",
        "[{\"name\":\"MLFLOW_BACKEND_STORE_URI\",\"value\":\"postgresql://u:p@h/d\"},"
            + "{\"name\":\"PGSSLMODE\",\"value\":\"disable\"},{\"name\":\"MLFLOW_DISABLE_TELEMETRY\"}]",
        "[{\"name\":\"AWS_SECRET_ACCESS_KEY\",\"value\":\"abc\"},{\"name\":\"DB_PASSWORD\","
            + "\"value\":\"$(OTHER)\"},{\"name\":\"HF_TOKEN\",\"value\":\"1\"},{\"name\":\"PWD\","
            + "\"value\":\"/tmp\"},{\"name\":\"PGPASSWORD\",\"value\":\"x\"},{\"name\":\"API_KEY\","
            + "\"value\":\" $(A)$(B) \"}]",
        "[{\"name\":\"X\",\"value\":\"see s3://k:s@b/p and https://h/p?token=t\"},"
            + "{\"name\":\"Y\",\"value\":\"mysql://db/m?password=\"},{\"name\":\"Z\",\"value\":\"\"},"
            + "{\"name\":\"W\",\"valueFrom\":{\"secretKeyRef\":{\"name\":\"s\",\"key\":\"k\"}}}]",
        "[{\"name\":5,\"value\":\"x\"},{\"value\":\"postgresql://u:p@h/d\"},"
            + "{\"name\":\"N\",\"value\":5}]"));
    StringBuilder many = new StringBuilder("[");
    for (int i = 0; i < 14; i++) {
      many.append(i == 0 ? "" : ",").append("{\"name\":\"SECRET_").append(i)
          .append("_TOKEN\",\"value\":\"v").append(i).append("\"},{\"name\":\"PGSSLROOTCERT\"}");
    }
    env.add(many.append("]").toString());
    values.put("env", env);
    values.put("envFrom", List.of("[]", "\"x\"", "[{\"prefix\":\"MLFLOW_\"}]",
        "[{\"prefix\":\"\"},{\"prefix\":\"PG\"},{\"prefix\":\"MLFLOW_SERVER_\"}]",
        "[{\"prefix\":5},{\"configMapRef\":{\"name\":\"x\"}},\"s\"]",
        "[{\"prefix\":\"SSL_CERT_FILE\"},{\"prefix\":\"ZZZ\"},{\"prefix\":\"AWS_\"}]"));
    values.put("image", List.of("{\"image\":\"quay.io/x:1\"}", "{\"image\":\"\"}",
        "{\"image\":5}", "\"x\"", "{}"));
    values.put("migration", List.of("{\"mode\":\"Always\"}", "{\"mode\":\"Automatic\"}",
        "{\"mode\":5}", "\"Always\""));
    values.put("traceArchival", List.of(
        "{\"enabled\":true,\"location\":\"file:///mlflow/traces\"}",
        "{\"enabled\":true,\"location\":\"s3://b/t\"}",
        "{\"enabled\":false,\"location\":\"file:///x\"}", "{\"enabled\":true}",
        "{\"enabled\":\"true\",\"location\":\"s3://x\"}",
        "{\"enabled\":true,\"location\":\"\"}", "{\"enabled\":true,\"location\":\"  \"}",
        "{\"enabled\":true,\"location\":\"s3://u:p@b/t\"}",
        "{\"enabled\":true,\"location\":\"gs://b/t?token=x\"}", "{\"location\":5}", "\"x\""));
    values.put("garbageCollection", List.of("{\"schedule\":\"0 0 * * *\"}",
        "{\"schedule\":\"x\",\"olderThan\":\"30d\"}", "{\"olderThan\":\"\"}",
        "{\"schedule\":5,\"olderThan\":7}", "\"x\"", "{}"));
    values.put("caBundleConfigMap", List.of("{\"name\":\"ca\"}", "\"x\"", "null", "{}"));
    return values;
  }

  /** The CR itself, and the CR with each catalogued field removed or replaced. */
  private static Map<String, ObjectNode> variants(ObjectNode object) {
    Map<String, ObjectNode> variants = new LinkedHashMap<>();
    variants.put("as is", object);
    if (!(object.get("spec") instanceof ObjectNode)) {
      return variants;
    }
    for (Map.Entry<String, List<String>> field : catalogue().entrySet()) {
      ObjectNode removed = object.deepCopy();
      ((ObjectNode) removed.get("spec")).remove(field.getKey());
      variants.put("without " + field.getKey(), removed);
      for (String value : field.getValue()) {
        ObjectNode changed = object.deepCopy();
        ((ObjectNode) changed.get("spec")).set(field.getKey(), Fixtures.JSON.readTree(value));
        variants.put(field.getKey() + "=" + value, changed);
      }
    }
    return variants;
  }

  private static String quoted(String text) {
    return NODES.stringNode(text).toString();
  }
}
