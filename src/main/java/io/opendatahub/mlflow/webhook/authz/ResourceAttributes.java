package io.opendatahub.mlflow.webhook.authz;

/**
 * {@code spec.resourceAttributes} of an access review. Empty strings stand for unset fields,
 * as the API's Go types send them.
 */
public record ResourceAttributes(
    String namespace,
    String verb,
    String group,
    String version,
    String resource,
    String subresource,
    String name) {

  public ResourceAttributes {
    namespace = orEmpty(namespace);
    verb = orEmpty(verb);
    group = orEmpty(group);
    version = orEmpty(version);
    resource = orEmpty(resource);
    subresource = orEmpty(subresource);
    name = orEmpty(name);
  }

  private static String orEmpty(String value) {
    return value == null ? "" : value;
  }

  /** {@code resource} or {@code resource/subresource}, as RBAC rules and messages write it. */
  public String fullResource() {
    return subresource.isEmpty() ? resource : resource + "/" + subresource;
  }

  public String describe() {
    return verb + " " + group + " " + fullResource()
        + (name.isEmpty() ? "" : " '" + name + "'")
        + (namespace.isEmpty() ? " in all namespaces" : " in namespace " + namespace);
  }
}
