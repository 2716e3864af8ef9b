package io.opendatahub.mlflow.webhook.testing;

import io.fabric8.zjsonpatch.JsonPatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Renders a kustomization the way {@code kustomize build} does, for the features this project's
 * manifests use: resources (files and directories), namespace, JSON6902 patches with a target,
 * and ConfigMap/Secret generators without name hashes. Any other field is an error, so the
 * manifests cannot grow beyond what the tests can check (kustomize itself cannot be installed on
 * the build machines).
 */
public final class Kustomize {

  private static final YAMLMapper YAML = YAMLMapper.builder().build();
  private static final Set<String> FIELDS = Set.of("apiVersion", "kind", "namespace", "resources",
      "patches", "configMapGenerator", "secretGenerator");
  private static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "ClusterRole",
      "ClusterRoleBinding", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
      "CustomResourceDefinition");

  private Kustomize() {}

  public static List<ObjectNode> build(Path dir) {
    ObjectNode kustomization = documents(dir.resolve("kustomization.yaml")).get(0);
    kustomization.propertyNames().forEach(field -> {
      if (!FIELDS.contains(field)) {
        throw new IllegalArgumentException(dir + ": kustomization field '" + field
            + "' is not supported by this renderer");
      }
    });
    List<ObjectNode> objects = new ArrayList<>();
    for (JsonNode resource : kustomization.path("resources")) {
      Path path = dir.resolve(resource.asString()).normalize();
      objects.addAll(Files.isDirectory(path) ? build(path) : documents(path));
    }
    for (JsonNode generator : kustomization.path("configMapGenerator")) {
      objects.add(generated(dir, generator, "ConfigMap"));
    }
    for (JsonNode generator : kustomization.path("secretGenerator")) {
      objects.add(generated(dir, generator, "Secret"));
    }
    for (JsonNode patch : kustomization.path("patches")) {
      applyPatch(dir, patch, objects);
    }
    String namespace = kustomization.path("namespace").asString(null);
    if (namespace != null) {
      for (ObjectNode object : objects) {
        if (!CLUSTER_SCOPED.contains(object.path("kind").asString())) {
          ((ObjectNode) object.get("metadata")).put("namespace", namespace);
        }
      }
    }
    return objects;
  }

  private static ObjectNode generated(Path dir, JsonNode generator, String kind) {
    if (!generator.path("options").path("disableNameSuffixHash").asBoolean(false)) {
      throw new IllegalArgumentException(dir + ": generators must set disableNameSuffixHash");
    }
    ObjectNode object = YAML.createObjectNode();
    object.put("apiVersion", "v1");
    object.put("kind", kind);
    ObjectNode metadata = object.putObject("metadata");
    metadata.put("name", generator.path("name").asString());
    JsonNode labels = generator.path("options").path("labels");
    if (labels.isObject()) {
      metadata.set("labels", labels);
    }
    if (generator.has("type")) {
      object.put("type", generator.path("type").asString());
    }
    ObjectNode data = object.putObject("data");
    for (JsonNode file : generator.path("files")) {
      String content = read(dir.resolve(file.asString()));
      data.put(Path.of(file.asString()).getFileName().toString(), kind.equals("Secret")
          ? Base64.getEncoder().encodeToString(content.getBytes(StandardCharsets.UTF_8))
          : content);
    }
    return object;
  }

  private static void applyPatch(Path dir, JsonNode patch, List<ObjectNode> objects) {
    JsonNode target = patch.path("target");
    String text = patch.has("path") ? read(dir.resolve(patch.path("path").asString()))
        : patch.path("patch").asString();
    JsonNode operations = YAML.readTree(text);
    int matched = 0;
    for (int i = 0; i < objects.size(); i++) {
      ObjectNode object = objects.get(i);
      if (object.path("kind").asString().equals(target.path("kind").asString())
          && object.path("metadata").path("name").asString()
              .equals(target.path("name").asString())) {
        objects.set(i, (ObjectNode) JsonPatch.apply(operations, object));
        matched++;
      }
    }
    if (matched == 0) {
      throw new IllegalArgumentException(dir + ": patch target " + target + " matches nothing");
    }
  }

  private static List<ObjectNode> documents(Path file) {
    List<ObjectNode> documents = new ArrayList<>();
    try (MappingIterator<JsonNode> values = YAML.readerFor(JsonNode.class)
        .readValues(Files.readAllBytes(file))) {
      while (values.hasNextValue()) {
        JsonNode document = values.nextValue();
        if (document != null && document.isObject() && !document.isEmpty()) {
          documents.add((ObjectNode) document);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return documents;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Objects by kind and name, for assertions. */
  public static ObjectNode find(List<ObjectNode> objects, String kind, String name) {
    return objects.stream().filter(o -> o.path("kind").asString().equals(kind)
            && o.path("metadata").path("name").asString().equals(name))
        .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + name));
  }

  public static Map<String, List<ObjectNode>> byKind(List<ObjectNode> objects) {
    Map<String, List<ObjectNode>> kinds = new java.util.TreeMap<>();
    objects.forEach(o -> kinds.computeIfAbsent(o.path("kind").asString(), k -> new ArrayList<>())
        .add(o));
    return kinds;
  }
}
