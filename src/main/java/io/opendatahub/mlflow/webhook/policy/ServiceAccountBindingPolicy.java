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
    select = select == null ? new Selection(null, null, null) : select;
    if (!bindingName.contains("{name}")) {
      throw new IllegalArgumentException("bindingName must contain {name}, so each"
          + " ServiceAccount gets a binding of its own");
    }
  }

  public static final ServiceAccountBindingPolicy DISABLED =
      new ServiceAccountBindingPolicy(false, null, null, null);

  /**
   * A ServiceAccount qualifies when it carries the opt-in annotation, or when its namespace
   * matches {@code namespaceSelector} and its name one of {@code names} (both must be given for
   * that second way to select anything).
   *
   * @param annotation {@code key=value}, or {@code key} for any value
   * @param names glob patterns ({@code *} matches any run of characters)
   */
  public record Selection(
      @JsonProperty("annotation") String annotation,
      @JsonProperty("namespaceSelector") LabelSelector namespaceSelector,
      @JsonProperty("names") List<String> names) {

    public Selection {
      names = names == null ? List.of() : List.copyOf(names);
    }
  }

  public String bindingNameFor(String serviceAccount) {
    return bindingName.replace("{name}", serviceAccount);
  }
}
