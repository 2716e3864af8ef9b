package io.opendatahub.mlflow.webhook.policy;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * One environment of the namespace classification. A namespace belongs to it when its name is
 * listed, or when its labels match the selector; the {@code default} environment takes every
 * namespace no other environment claims.
 */
public record Environment(
    @JsonProperty(value = "name", required = true) String name,
    @JsonProperty("namespaceSelector") LabelSelector namespaceSelector,
    @JsonProperty("namespaces") List<String> namespaces,
    @JsonProperty("default") boolean isDefault) {

  public Environment {
    namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
  }

  /** Whether this environment claims the namespace by name or by labels (not by default). */
  public boolean claims(String namespace, Map<String, String> labels) {
    if (namespaces.contains(namespace)) {
      return true;
    }
    return namespaceSelector != null && namespaceSelector.matches(labels);
  }
}
