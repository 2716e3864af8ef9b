package io.opendatahub.mlflow.webhook.policy;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * Limits on the tracking server's volume ({@code spec.storage}).
 *
 * @param minSize smallest allowed request, a Kubernetes quantity; null: no minimum
 * @param maxSize largest allowed request; null: no maximum
 * @param storageClassNames allowed classes; empty: any ({@code ""} stands for the cluster default)
 */
public record StorageRules(
    @JsonProperty("minSize") String minSize,
    @JsonProperty("maxSize") String maxSize,
    @JsonProperty("storageClassNames") List<String> storageClassNames) {

  public StorageRules {
    storageClassNames = storageClassNames == null ? List.of() : List.copyOf(storageClassNames);
  }

  public static final StorageRules ANY = new StorageRules(null, null, null);
}
