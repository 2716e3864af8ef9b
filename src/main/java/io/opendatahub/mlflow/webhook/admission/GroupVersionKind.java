package io.opendatahub.mlflow.webhook.admission;

/** {@code request.kind}: the group is empty for the core API group. */
public record GroupVersionKind(String group, String version, String kind) {

  @Override
  public String toString() {
    return (group.isEmpty() ? "" : group + "/") + version + ", Kind=" + kind;
  }
}
