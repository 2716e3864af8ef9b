package io.opendatahub.mlflow.webhook.policy;

import io.opendatahub.mlflow.webhook.policy.RouteRule.Check;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Reads one check of a route table entry: {@code "resource:verb"}, or a map
 * {@code {check: "resource:verb", name: SOURCE | [SOURCE, ...], when: referenced}}.
 */
final class CheckSyntax {

  private static final Set<String> FIELDS = Set.of("check", "name", "when");

  private CheckSyntax() {}

  static Check read(JsonNode node) {
    if (node == null || node.isNull()) {
      throw new IllegalArgumentException("a check must not be empty");
    }
    if (node.isString()) {
      return Check.parse(node.asString());
    }
    if (!node.isObject()) {
      throw new IllegalArgumentException("a check is \"resource:verb\" or {check:"
          + " \"resource:verb\", name: SOURCE, when: referenced}");
    }
    for (String field : node.propertyNames()) {
      if (!FIELDS.contains(field)) {
        throw new IllegalArgumentException("unknown field '" + field + "' in a check (known: "
            + FIELDS + ")");
      }
    }
    JsonNode text = node.get("check");
    if (text == null || !text.isString()) {
      throw new IllegalArgumentException("a check written as a map needs check: \"resource:verb\"");
    }
    Check check = Check.parse(text.asString());
    List<NameSource> names = names(node.get("name"));
    JsonNode when = node.get("when");
    boolean referenced = false;
    if (when != null) {
      if (!when.isString() || !when.asString().equals("referenced")) {
        throw new IllegalArgumentException("when must be 'referenced' (ask the check only when"
            + " the request references such an object)");
      }
      if (names.isEmpty() || names.contains(NameSource.QUESTION)) {
        throw new IllegalArgumentException("when: referenced needs a name source in the request"
            + " (path:, body:, query: or header:) that says what is referenced");
      }
      referenced = true;
    }
    return new Check(check.resource(), check.subresource(), check.verb(), names, referenced);
  }

  private static List<NameSource> names(JsonNode node) {
    List<NameSource> names = new ArrayList<>();
    if (node == null) {
      return names;
    }
    if (node.isString()) {
      names.add(NameSource.parse(node.asString()));
    } else if (node.isArray() && !node.isEmpty()) {
      for (JsonNode element : node) {
        if (!element.isString()) {
          throw new IllegalArgumentException("name must be a source or a list of sources");
        }
        names.add(NameSource.parse(element.asString()));
      }
    } else {
      throw new IllegalArgumentException("name must be a source or a non-empty list of sources");
    }
    return names;
  }
}
