package io.opendatahub.mlflow.webhook.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.opendatahub.mlflow.webhook.policy.YamlFiles;
import io.opendatahub.mlflow.webhook.rbac.RbacSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Roles, ClusterRoles and their bindings from Kubernetes manifests (a file or a directory of
 * {@code .yaml} files, many documents each), for the standalone authority. Other kinds are
 * skipped, so an application's whole manifest set can be pointed at.
 */
public final class RbacManifests {

  private static final YAMLMapper YAML = YAMLMapper.builder().build();
  private static final KubernetesSerialization KUBERNETES = new KubernetesSerialization();
  private static final List<Class<?>> RBAC_KINDS =
      List.of(Role.class, ClusterRole.class, RoleBinding.class, ClusterRoleBinding.class);

  private RbacManifests() {}

  public static RbacSnapshot load(Path location) throws IOException {
    return RbacObjects.snapshot(objects(location), RbacObjects.Aggregation.RESOLVE);
  }

  static List<HasMetadata> objects(Path location) throws IOException {
    List<HasMetadata> objects = new ArrayList<>();
    for (Path file : YamlFiles.in(location)) {
      int document = 0;
      try (MappingIterator<JsonNode> documents =
          YAML.readerFor(JsonNode.class).readValues(Files.readAllBytes(file))) {
        while (documents.hasNextValue()) {
          JsonNode node = documents.nextValue();
          document++;
          if (node != null && node.isObject() && isRbac(node)) {
            objects.add(rbacObject(file, document, node));
          }
        }
      } catch (JacksonException e) {
        throw new IOException(file + ": not valid YAML: " + e.getOriginalMessage(), e);
      }
    }
    return objects;
  }

  private static boolean isRbac(JsonNode node) {
    return node.path("apiVersion").asString("").startsWith("rbac.authorization.k8s.io/");
  }

  private static HasMetadata rbacObject(Path file, int document, JsonNode node)
      throws IOException {
    KubernetesResource object;
    try {
      object = KUBERNETES.unmarshal(node.toString(), KubernetesResource.class);
    } catch (RuntimeException e) {
      throw new IOException(file + ": document " + document + ": not a valid "
          + node.path("kind").asString("object") + ": " + e.getMessage(), e);
    }
    if (!(object instanceof HasMetadata rbac) || RBAC_KINDS.stream().noneMatch(k -> k.isInstance(
        object))) {
      return failKind(file, document, node);
    }
    if (rbac.getMetadata() == null || rbac.getMetadata().getName() == null) {
      throw new IOException(file + ": document " + document + ": metadata.name is missing");
    }
    boolean namespaced = rbac instanceof Role || rbac instanceof RoleBinding;
    if (namespaced && rbac.getMetadata().getNamespace() == null) {
      throw new IOException(file + ": document " + document + ": " + rbac.getKind() + " '"
          + rbac.getMetadata().getName() + "' has no metadata.namespace; a manifest applied"
          + " with kubectl would land in the current namespace, which a file cannot know");
    }
    return rbac;
  }

  private static HasMetadata failKind(Path file, int document, JsonNode node) throws IOException {
    throw new IOException(file + ": document " + document + ": kind '"
        + node.path("kind").asString("") + "' of rbac.authorization.k8s.io is not one of Role,"
        + " ClusterRole, RoleBinding, ClusterRoleBinding");
  }


}
