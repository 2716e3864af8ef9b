package io.opendatahub.mlflow.webhook.policy;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** Values {@code /mutate} writes into an MLflow CR's {@code spec.storage} when they are missing. */
public record StorageDefaults(
    @JsonProperty("size") String size,
    @JsonProperty("accessModes") List<String> accessModes,
    @JsonProperty("storageClassName") String storageClassName) {

  public StorageDefaults {
    accessModes = accessModes == null ? List.of() : List.copyOf(accessModes);
  }

  public static final StorageDefaults NONE = new StorageDefaults(null, null, null);
}
