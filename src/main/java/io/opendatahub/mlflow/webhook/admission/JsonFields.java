package io.opendatahub.mlflow.webhook.admission;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** Typed reads of request fields that refuse a wrong type with a message naming the field. */
public final class JsonFields {

  private JsonFields() {}

  /** The string at {@code field}, null when absent or null. */
  public static String string(JsonNode parent, String field) throws MalformedReviewException {
    JsonNode node = parent.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isString()) {
      throw new MalformedReviewException(field + " must be a string");
    }
    return node.stringValue();
  }

  /** A list of strings, empty when absent or null; {@code name} is used in the message. */
  public static List<String> strings(JsonNode node, String name) throws MalformedReviewException {
    List<String> values = new ArrayList<>();
    if (node == null || node.isNull()) {
      return values;
    }
    if (!node.isArray()) {
      throw new MalformedReviewException(name + " must be a list of strings");
    }
    for (JsonNode value : node) {
      if (!value.isString()) {
        throw new MalformedReviewException(name + " must be a list of strings");
      }
      values.add(value.stringValue());
    }
    return values;
  }
}
