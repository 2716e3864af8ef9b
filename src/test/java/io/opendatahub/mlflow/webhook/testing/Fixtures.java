package io.opendatahub.mlflow.webhook.testing;

import io.opendatahub.mlflow.webhook.admission.AdmissionRequest;
import io.opendatahub.mlflow.webhook.admission.AdmissionReviewCodec;
import io.opendatahub.mlflow.webhook.admission.MalformedReviewException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** Test fixtures: YAML objects from {@code src/test/resources} wrapped in AdmissionReviews. */
public final class Fixtures {

  public static final JsonMapper JSON = JsonMapper.builder().build();
  private static final YAMLMapper YAML = YAMLMapper.builder().build();

  private Fixtures() {}

  public static ObjectNode yaml(String resource) {
    try (InputStream in = Fixtures.class.getResourceAsStream("/" + resource)) {
      if (in == null) {
        throw new IllegalArgumentException("no test resource " + resource);
      }
      return (ObjectNode) YAML.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static ObjectNode mlflow(String resource) {
    return yaml("mlflow/" + resource);
  }

  /** A review builder for the MLflow CR. */
  public static Review mlflowReview(JsonNode object) {
    return new Review().kind("mlflow.opendatahub.io", "v1", "MLflow").object(object);
  }

  /** Builds AdmissionReview documents. */
  public static final class Review {
    private final ObjectNode root = JSON.createObjectNode();
    private final ObjectNode request;

    public Review() {
      root.put("apiVersion", "admission.k8s.io/v1");
      root.put("kind", "AdmissionReview");
      request = root.putObject("request");
      request.put("uid", "3c4a6b2e-0000-4000-8000-000000000001");
      request.put("operation", "CREATE");
      request.putObject("userInfo").put("username", "admin");
    }

    public Review apiVersion(String apiVersion) {
      root.put("apiVersion", apiVersion);
      return this;
    }

    public Review uid(String uid) {
      request.put("uid", uid);
      return this;
    }

    public Review kind(String group, String version, String kind) {
      ObjectNode gvk = request.putObject("kind");
      gvk.put("group", group);
      gvk.put("version", version);
      gvk.put("kind", kind);
      return this;
    }

    public Review operation(String operation) {
      request.put("operation", operation);
      return this;
    }

    public Review subResource(String subResource) {
      request.put("subResource", subResource);
      return this;
    }

    public Review user(String username) {
      ((ObjectNode) request.get("userInfo")).put("username", username);
      return this;
    }

    public Review object(JsonNode object) {
      request.set("object", object);
      if (object != null && object.path("metadata").has("name")) {
        request.put("name", object.path("metadata").path("name").asString());
      }
      return this;
    }

    public Review oldObject(JsonNode object) {
      request.set("oldObject", object);
      return this;
    }

    public Review dryRun(boolean dryRun) {
      request.put("dryRun", dryRun);
      return this;
    }

    public ObjectNode json() {
      return root;
    }

    public byte[] bytes() {
      return JSON.writeValueAsBytes(root);
    }

    public AdmissionRequest request() {
      try {
        return new AdmissionReviewCodec().decode(JSON.writeValueAsBytes(json())).request();
      } catch (MalformedReviewException e) {
        throw new IllegalStateException("fixture is malformed: " + e.getMessage(), e);
      }
    }
  }
}
