package io.opendatahub.mlflow.webhook.legacy.decision;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * One {@code spec.env[]} entry.
 *
 * @param value the literal {@code value}, or null when the entry has none (e.g. valueFrom)
 */
record EnvVariable(int index, String name, String value) {

  String path(String field) {
    return "spec.env[" + index + "]." + field;
  }

  /** The {@code env[]} entries of {@code spec} that have a name. */
  static List<EnvVariable> of(JsonNode spec) {
    List<EnvVariable> variables = new ArrayList<>();
    JsonNode env = spec.get("env");
    if (env != null && env.isArray()) {
      for (int i = 0; i < env.size(); i++) {
        JsonNode name = env.get(i).get("name");
        JsonNode value = env.get(i).get("value");
        if (name != null && name.isString()) {
          variables.add(new EnvVariable(i, name.stringValue(),
              value != null && value.isString() ? value.stringValue() : null));
        }
      }
    }
    return List.copyOf(variables);
  }
}
