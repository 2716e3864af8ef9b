package io.opendatahub.mlflow.webhook.rbac;

import java.util.List;

/** The parts of Kubernetes RBAC objects the evaluator reads, as plain values. */
public final class RbacModel {

  private RbacModel() {}

  /** One rule of a Role or ClusterRole. Empty {@code resourceNames} means every name. */
  public record Rule(List<String> verbs, List<String> apiGroups, List<String> resources,
      List<String> resourceNames, List<String> nonResourceUrls) {
    public Rule {
      verbs = copy(verbs);
      apiGroups = copy(apiGroups);
      resources = copy(resources);
      resourceNames = copy(resourceNames);
      nonResourceUrls = copy(nonResourceUrls);
    }
  }

  /** A binding subject; {@code namespace} only matters for ServiceAccounts. */
  public record Subject(String kind, String name, String namespace) {
    public Subject {
      namespace = namespace == null ? "" : namespace;
    }
  }

  /** {@code roleRef}: kind {@code Role} or {@code ClusterRole}. */
  public record RoleRef(String kind, String name) {}

  /** A RoleBinding ({@code namespace} set) or a ClusterRoleBinding ({@code namespace} empty). */
  public record Binding(String name, String namespace, RoleRef roleRef, List<Subject> subjects) {
    public Binding {
      namespace = namespace == null ? "" : namespace;
      subjects = copy(subjects);
    }

    String describe() {
      return namespace.isEmpty() ? "ClusterRoleBinding \"" + name + "\""
          : "RoleBinding \"" + name + "/" + namespace + "\"";
    }
  }

  /** What is asked: a resource request, or a non-resource request on {@code path}. */
  public record Request(String user, List<String> groups, String verb, String namespace,
      String apiGroup, String resource, String subresource, String name, boolean resourceRequest,
      String path) {
    public Request {
      groups = copy(groups);
      namespace = namespace == null ? "" : namespace;
      apiGroup = apiGroup == null ? "" : apiGroup;
      resource = resource == null ? "" : resource;
      subresource = subresource == null ? "" : subresource;
      name = name == null ? "" : name;
      path = path == null ? "" : path;
    }

    public static Request resource(String user, List<String> groups, String verb,
        String namespace, String apiGroup, String resource, String subresource, String name) {
      return new Request(user, groups, verb, namespace, apiGroup, resource, subresource, name,
          true, "");
    }

    public static Request nonResource(String user, List<String> groups, String verb, String path) {
      return new Request(user, groups, verb, "", "", "", "", "", false, path);
    }
  }

  static <T> List<T> copy(List<T> list) {
    return list == null ? List.of() : List.copyOf(list);
  }
}
