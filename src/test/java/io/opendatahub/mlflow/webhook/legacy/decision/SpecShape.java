package io.opendatahub.mlflow.webhook.legacy.decision;

import io.opendatahub.mlflow.webhook.admission.Finding;
import io.opendatahub.mlflow.webhook.policy.Action;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * The fields the rules read must have the type the CRD gives them. A rule that reads a string
 * where an object should be would see "unset" and judge the operator's default instead of what
 * was written, so validation would admit what it cannot read; here such an object is denied,
 * naming the field. Every check matches the CRD's schema, so nothing the CRD accepts is refused;
 * {@code null} counts as unset, as the API server prunes it. The finding is never switched off
 * or ratcheted: it is not policy, it is the webhook refusing to guess.
 */
final class SpecShape {

  static final String RULE = "malformed-spec";

  private enum Type {
    STRING("a string"), BOOLEAN("true or false"), INTEGER("an integer"), OBJECT("an object"),
    LIST("a list"), QUANTITY("a quantity such as 10Gi");

    private final String shown;

    Type(String shown) {
      this.shown = shown;
    }

    boolean accepts(JsonNode node) {
      return switch (this) {
        case STRING -> node.isString();
        case BOOLEAN -> node.isBoolean();
        case INTEGER -> node.isIntegralNumber();
        case OBJECT -> node.isObject();
        case LIST -> node.isArray();
        case QUANTITY -> node.isString() || node.isNumber();
      };
    }
  }

  /**
   * A field some rule reads; {@code []} in a path means every element of that list. The path is
   * split once, here: every review walks these (a profile under load found the per-review
   * splitting and path building among the top frames of a review's own work).
   */
  private record Expected(Step[] steps, Type type) {
    Expected(String path, Type type) {
      this(Arrays.stream(path.split("\\.")).map(Step::of).toArray(Step[]::new), type);
    }
  }

  /** One field name of a path, and whether it stands for every element of a list there. */
  private record Step(String name, boolean each) {
    static Step of(String part) {
      boolean each = part.endsWith("[]");
      return new Step(each ? part.substring(0, part.length() - 2) : part, each);
    }
  }

  /**
   * Where a node was found, as a chain built only while walking; its text (e.g. {@code
   * spec.env[2].name}) is made only for a finding.
   */
  private record At(At parent, String name, int index) {
    String text() {
      StringBuilder text = parent == null ? new StringBuilder() : new StringBuilder(parent.text());
      if (name != null) {
        text.append(parent == null ? "" : ".").append(name);
      } else {
        text.append('[').append(index).append(']');
      }
      return text.toString();
    }
  }

  private static final At SPEC = new At(null, "spec", -1);

  private static final List<Expected> EXPECTED = List.of(
      new Expected("backendStoreUri", Type.STRING),
      new Expected("registryStoreUri", Type.STRING),
      new Expected("readReplicaBackendStoreUri", Type.STRING),
      new Expected("artifactsDestination", Type.STRING),
      new Expected("defaultArtifactRoot", Type.STRING),
      new Expected("backendStoreUriFrom", Type.OBJECT),
      new Expected("registryStoreUriFrom", Type.OBJECT),
      new Expected("readReplicaBackendStoreUriFrom", Type.OBJECT),
      new Expected("serveArtifacts", Type.BOOLEAN),
      new Expected("replicas", Type.INTEGER),
      new Expected("workspaceLabelSelector", Type.OBJECT),
      new Expected("storage", Type.OBJECT),
      new Expected("storage.resources", Type.OBJECT),
      new Expected("storage.resources.requests", Type.OBJECT),
      new Expected("storage.resources.requests.storage", Type.QUANTITY),
      new Expected("storage.accessModes", Type.LIST),
      new Expected("storage.accessModes[]", Type.STRING),
      new Expected("storage.storageClassName", Type.STRING),
      new Expected("env", Type.LIST),
      new Expected("env[]", Type.OBJECT),
      new Expected("env[].name", Type.STRING),
      new Expected("env[].value", Type.STRING),
      new Expected("envFrom", Type.LIST),
      new Expected("envFrom[]", Type.OBJECT),
      new Expected("envFrom[].prefix", Type.STRING),
      new Expected("image", Type.OBJECT),
      new Expected("image.image", Type.STRING),
      new Expected("migration", Type.OBJECT),
      new Expected("migration.mode", Type.STRING),
      new Expected("traceArchival", Type.OBJECT),
      new Expected("traceArchival.location", Type.STRING),
      new Expected("garbageCollection", Type.OBJECT),
      new Expected("caBundleConfigMap", Type.OBJECT));

  private SpecShape() {}

  /** Deny findings for every field of {@code object} that has the wrong type; empty when readable. */
  static List<Finding> check(JsonNode object) {
    JsonNode spec = object.get("spec");
    if (spec == null || !spec.isObject()) {
      String found = spec == null ? "missing" : typeOf(spec);
      return List.of(finding("spec", "must be an object (the MLflow settings), not " + found
          + "; the webhook cannot judge what it cannot read."));
    }
    List<Finding> findings = new ArrayList<>();
    for (Expected expected : EXPECTED) {
      check(spec, SPEC, expected.steps(), 0, expected.type(), findings);
    }
    return findings;
  }

  private static void check(JsonNode parent, At at, Step[] steps, int index, Type type,
      List<Finding> findings) {
    Step step = steps[index];
    JsonNode node = parent.get(step.name());
    if (node == null || node.isNull()) {
      return;
    }
    At path = new At(at, step.name(), -1);
    boolean last = index == steps.length - 1;
    if (!step.each()) {
      if (last && !type.accepts(node)) {
        findings.add(finding(path.text(), "must be " + type.shown + ", not " + typeOf(node)
            + "."));
      } else if (!last && node.isObject()) {
        check(node, path, steps, index + 1, type, findings);
      }
      return;
    }
    if (!node.isArray()) {
      return; // the list itself is checked by its own entry
    }
    for (int i = 0; i < node.size(); i++) {
      JsonNode element = node.get(i);
      At elementPath = new At(path, null, i);
      if (last && !type.accepts(element)) {
        findings.add(finding(elementPath.text(), "must be " + type.shown + ", not "
            + typeOf(element) + "."));
      } else if (!last && element.isObject()) {
        check(element, elementPath, steps, index + 1, type, findings);
      }
    }
  }

  private static Finding finding(String field, String message) {
    return new Finding(RULE, Action.DENY, field, message);
  }

  private static String typeOf(JsonNode node) {
    if (node.isNull()) {
      return "null";
    }
    if (node.isString()) {
      return "a string";
    }
    if (node.isBoolean()) {
      return "a boolean";
    }
    if (node.isNumber()) {
      return "a number";
    }
    return node.isArray() ? "a list" : "an object";
  }
}
