package io.opendatahub.mlflow.webhook.bench;

import io.opendatahub.mlflow.webhook.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A review shaped like what an API server sends for an MLflow CR that {@code kubectl apply}
 * created and then updated, and the operator reconciled: the same spec as the {@code
 * validate-allowed} body, wrapped in what the server adds. {@code metadata.managedFields} (one
 * entry per manager and operation, the status writer's on the {@code status} subresource), the
 * {@code kubectl.kubernetes.io/last-applied-configuration} annotation, the operator's finalizer
 * and {@code status}, in both {@code object} and {@code oldObject}, and the request fields the
 * server always sends ({@code resource}, {@code requestKind}, {@code options}, user extras).
 * Field names and nesting follow {@code kubectl get -o json --show-managed-fields} of a CR.
 */
public final class ApiServerReview {

  private ApiServerReview() {}

  /** The review body with the validate-allowed spec, about 6.5 KB. */
  public static byte[] body() {
    try {
      JsonNode sample = Fixtures.JSON.readTree(Files.readAllBytes(
          Path.of("src/test/resources/reviews/mlflow-postgresql.json")));
      return body((ObjectNode) sample.path("request").path("object").path("spec"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The review of an update to an MLflow CR with {@code spec} (the old one without artifacts). */
  public static byte[] body(ObjectNode spec) {
    ObjectNode review = Fixtures.JSON.createObjectNode();
    review.put("apiVersion", "admission.k8s.io/v1").put("kind", "AdmissionReview");
    ObjectNode request = review.putObject("request");
    request.put("uid", "6f0e4b1c-2a7d-4e8b-9c3f-1d2e3f4a5b6c");
    request.set("kind", gvk("kind", "MLflow"));
    request.set("resource", gvk("resource", "mlflows"));
    request.set("requestKind", gvk("kind", "MLflow"));
    request.set("requestResource", gvk("resource", "mlflows"));
    request.put("name", "mlflow");
    request.put("operation", "UPDATE");
    ObjectNode user = request.putObject("userInfo");
    user.put("username", "alice@example.com").put("uid", "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d");
    user.putArray("groups").add("team-a-admins").add("system:authenticated:oauth")
        .add("system:authenticated");
    user.putObject("extra").putArray("scopes.authorization.openshift.io").add("user:full");
    request.set("object", object(spec, "2", "184467", "2026-12-01T09:12:44Z"));
    request.set("oldObject", object(spec.deepCopy().put("serveArtifacts", false), "1",
        "184301", "2026-12-01T09:02:10Z"));
    request.put("dryRun", false);
    request.putObject("options").put("kind", "UpdateOptions")
        .put("apiVersion", "meta.k8s.io/v1").put("fieldManager", "kubectl-client-side-apply")
        .put("fieldValidation", "Strict");
    return Fixtures.JSON.writeValueAsBytes(review);
  }

  private static ObjectNode gvk(String field, String value) {
    ObjectNode node = Fixtures.JSON.createObjectNode();
    node.put("group", "mlflow.opendatahub.io").put("version", "v1").put(field, value);
    return node;
  }

  private static ObjectNode object(ObjectNode spec, String generation, String resourceVersion,
      String applied) {
    ObjectNode object = Fixtures.JSON.createObjectNode();
    object.put("apiVersion", "mlflow.opendatahub.io/v1").put("kind", "MLflow");
    ObjectNode lastApplied = object.deepCopy();
    lastApplied.putObject("metadata").put("name", "mlflow").putObject("annotations");
    lastApplied.set("spec", spec);
    ObjectNode metadata = object.putObject("metadata");
    metadata.putObject("annotations").put("kubectl.kubernetes.io/last-applied-configuration",
        lastApplied.toString() + "\n");
    metadata.put("creationTimestamp", "2026-12-01T09:02:10Z");
    metadata.putArray("finalizers").add("mlflow.opendatahub.io/finalizer");
    metadata.put("generation", Integer.parseInt(generation));
    metadata.set("managedFields", Fixtures.JSON.readTree(MANAGED_FIELDS.replace("APPLIED",
        applied)));
    metadata.put("name", "mlflow");
    metadata.put("resourceVersion", resourceVersion);
    metadata.put("uid", "c2f1e0d9-8b7a-4c6d-9e5f-4a3b2c1d0e9f");
    object.set("spec", spec);
    object.set("status", Fixtures.JSON.readTree(STATUS));
    return object;
  }

  private static final String MANAGED_FIELDS = """
      [{"apiVersion":"mlflow.opendatahub.io/v1","fieldsType":"FieldsV1","fieldsV1":{
        "f:metadata":{"f:annotations":{".":{},"f:kubectl.kubernetes.io/last-applied-configuration":{}}},
        "f:spec":{".":{},"f:artifactsDestination":{},"f:backendStoreUriFrom":{".":{},"f:key":{},"f:name":{}},
        "f:serveArtifacts":{}}},
        "manager":"kubectl-client-side-apply","operation":"Update","time":"APPLIED"},
       {"apiVersion":"mlflow.opendatahub.io/v1","fieldsType":"FieldsV1","fieldsV1":{
        "f:metadata":{"f:finalizers":{".":{},"v:\\"mlflow.opendatahub.io/finalizer\\"":{}}}},
        "manager":"manager","operation":"Update","time":"2026-12-01T09:02:11Z"},
       {"apiVersion":"mlflow.opendatahub.io/v1","fieldsType":"FieldsV1","fieldsV1":{
        "f:status":{".":{},"f:conditions":{".":{},
          "k:{\\"type\\":\\"Available\\"}":{".":{},"f:lastTransitionTime":{},"f:message":{},"f:observedGeneration":{},"f:reason":{},"f:status":{},"f:type":{}},
          "k:{\\"type\\":\\"Progressing\\"}":{".":{},"f:lastTransitionTime":{},"f:message":{},"f:observedGeneration":{},"f:reason":{},"f:status":{},"f:type":{}},
          "k:{\\"type\\":\\"Degraded\\"}":{".":{},"f:lastTransitionTime":{},"f:message":{},"f:observedGeneration":{},"f:reason":{},"f:status":{},"f:type":{}}},
         "f:observedGeneration":{},"f:url":{},"f:version":{}}},
        "manager":"manager","operation":"Update","subresource":"status","time":"2026-12-01T09:03:42Z"}]
      """;

  private static final String STATUS = """
      {"conditions":[
        {"lastTransitionTime":"2026-12-01T09:03:42Z","message":"Deployment mlflow is available with 1/1 replicas ready","observedGeneration":1,"reason":"DeploymentAvailable","status":"True","type":"Available"},
        {"lastTransitionTime":"2026-12-01T09:03:42Z","message":"Reconciliation complete","observedGeneration":1,"reason":"ReconcileSucceeded","status":"False","type":"Progressing"},
        {"lastTransitionTime":"2026-12-01T09:02:11Z","message":"","observedGeneration":1,"reason":"AsExpected","status":"False","type":"Degraded"}],
       "observedGeneration":1,
       "url":"https://mlflow-redhat-ods-applications.apps.cluster.example.com/mlflow",
       "version":"3.6.0"}
      """;
}
