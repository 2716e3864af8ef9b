package io.opendatahub.mlflow.webhook.admission;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** Typed reads of request fields that refuse a wrong type with a message naming the field. */
public final class JsonFields {

  private JsonFields() {}

  /**
   * A request body that must hold one JSON object.
   *
   * @param expected what to send instead, for the messages (e.g. "a SelfSubjectAccessReview")
   */
  public static JsonNode object(ObjectMapper mapper, byte[] body, String expected)
      throws MalformedReviewException {
    if (body == null || body.length == 0) {
      throw new MalformedReviewException("the body is empty: send " + expected);
    }
    JsonNode root;
    try {
      root = mapper.readTree(body);
    } catch (JacksonException e) {
      throw new MalformedReviewException("the body is not valid JSON");
    }
    if (root == null || !root.isObject()) {
      throw new MalformedReviewException("the body must be a JSON object: " + expected);
    }
    return root;
  }

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
