package io.opendatahub.mlflow.webhook.legacy.decision;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** One {@code spec.envFrom[]} entry's non-empty {@code prefix}. */
record EnvFromPrefix(int index, String prefix) {

  String path() {
    return "spec.envFrom[" + index + "].prefix";
  }

  /** The {@code envFrom[]} entries of {@code spec} that set a non-empty prefix. */
  static List<EnvFromPrefix> of(JsonNode spec) {
    List<EnvFromPrefix> prefixes = new ArrayList<>();
    JsonNode envFrom = spec.get("envFrom");
    if (envFrom != null && envFrom.isArray()) {
      for (int i = 0; i < envFrom.size(); i++) {
        JsonNode prefix = envFrom.get(i).get("prefix");
        if (prefix != null && prefix.isString() && !prefix.stringValue().isEmpty()) {
          prefixes.add(new EnvFromPrefix(i, prefix.stringValue()));
        }
      }
    }
    return prefixes;
  }
}
