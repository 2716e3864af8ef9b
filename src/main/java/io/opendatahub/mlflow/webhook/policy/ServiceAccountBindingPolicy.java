package io.opendatahub.mlflow.webhook.policy;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The {@code spec.serviceAccountBinding} section: which ServiceAccounts get a RoleBinding to the
 * integration ClusterRole without anyone writing it by hand.
 *
 * @param clusterRole the ClusterRole to bind
 * @param bindingName name of the binding; {@code {name}} stands for the ServiceAccount's name
 */
public record ServiceAccountBindingPolicy(
    @JsonProperty("enabled") Boolean enabled,
    @JsonProperty("clusterRole") String clusterRole,
    @JsonProperty("bindingName") String bindingName,
    @JsonProperty("select") Selection select) {

  public ServiceAccountBindingPolicy {
    enabled = enabled != null && enabled;
    clusterRole = clusterRole == null ? "mlflow-integration" : clusterRole;
    bindingName = bindingName == null ? "mlflow-integration-{name}" : bindingName;
    select = select == null ? new Selection(null, null, null, null) : select;
    if (!bindingName.contains("{name}")) {
      throw new IllegalArgumentException("bindingName must contain {name}, so each"
          + " ServiceAccount gets a binding of its own");
    }
  }

  public static final ServiceAccountBindingPolicy DISABLED =
      new ServiceAccountBindingPolicy(false, null, null, null);

  /**
   * Which ServiceAccounts qualify: those in scope (a namespace listed in {@code namespaces} or
   * matching {@code namespaceSelector}) that carry the opt-in annotation or whose name matches
   * one of {@code names}. Anyone who may create or annotate a ServiceAccount in a namespace in
   * scope can get the role bound, so the scope is required when binding is enabled.
   *
   * @param annotation {@code key=value}, or {@code key} for any value
   * @param namespaces namespaces in scope, by name
   * @param namespaceSelector namespaces in scope, by label ({@code {}} selects every namespace)
   * @param names glob patterns ({@code *} matches any run of characters)
   */
  public record Selection(
      @JsonProperty("annotation") String annotation,
      @JsonProperty("namespaces") List<String> namespaces,
      @JsonProperty("namespaceSelector") LabelSelector namespaceSelector,
      @JsonProperty("names") List<String> names) {

    public Selection {
      namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
      names = names == null ? List.of() : List.copyOf(names);
    }

    /** Whether any namespace can be in scope at all. */
    public boolean hasScope() {
      return !namespaces.isEmpty() || namespaceSelector != null;
    }

    /** Whether accounts in scope can qualify at all. */
    public boolean hasOptIn() {
      return (annotation != null && !annotation.isBlank()) || !names.isEmpty();
    }
  }

  public String bindingNameFor(String serviceAccount) {
    return bindingName.replace("{name}", serviceAccount);
  }
}
