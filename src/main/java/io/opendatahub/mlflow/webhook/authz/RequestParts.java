package io.opendatahub.mlflow.webhook.authz;

import io.opendatahub.mlflow.webhook.admission.MalformedReviewException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The {@code query} and {@code headers} of a route question, read strictly and bounded: what
 * the route table may take names from. Values within Kubernetes' name limit would do for names,
 * but a query value may be longer than the name it is not used as; beyond
 * {@value #MAX_VALUE} characters nothing is a request's parameter.
 */
final class RequestParts {

  static final int MAX_PARAMETERS = 64;
  static final int MAX_VALUES = 100;
  static final int MAX_HEADERS = 32;
  static final int MAX_KEY = 256;
  static final int MAX_VALUE = 8192;

  private RequestParts() {}

  /** {@code {"name": "value" | ["value", ...]}}; absent or null: none. */
  static Map<String, List<String>> query(JsonNode node, String where)
      throws MalformedReviewException {
    Map<String, List<String>> query = new HashMap<>();
    for (Map.Entry<String, JsonNode> parameter : entries(node, where,
        "parameter name -> string or list of strings", "parameters", MAX_PARAMETERS)) {
      String field = where + "." + parameter.getKey();
      QuestionFields.text(parameter.getKey(), where + " parameter name", MAX_KEY);
      JsonNode value = parameter.getValue();
      List<String> values = new ArrayList<>();
      if (value.isString()) {
        values.add(value(value, field));
      } else if (value.isArray()) {
        if (value.size() > MAX_VALUES) {
          throw new MalformedReviewException(field + " has " + value.size() + " values; at most "
              + MAX_VALUES);
        }
        for (JsonNode element : value) {
          values.add(value(element, field));
        }
      } else {
        throw new MalformedReviewException(field + " must be a string or a list of strings");
      }
      query.put(parameter.getKey(), List.copyOf(values));
    }
    return query;
  }

  /**
   * {@code {"Header-Name": "value"}}; names compared without case, so two spellings of one name
   * are refused rather than one silently winning.
   */
  static Map<String, String> headers(JsonNode node, String where)
      throws MalformedReviewException {
    Map<String, String> headers = new HashMap<>();
    for (Map.Entry<String, JsonNode> header : entries(node, where, "header name -> string",
        "headers", MAX_HEADERS)) {
      String field = where + "." + header.getKey();
      QuestionFields.text(header.getKey(), where + " header name", MAX_KEY);
      String lower = header.getKey().toLowerCase(Locale.ROOT);
      if (headers.containsKey(lower)) {
        throw new MalformedReviewException(where + " names " + header.getKey()
            + " twice (header names do not depend on case)");
      }
      headers.put(lower, value(header.getValue(), field));
    }
    return headers;
  }

  /** The fields of an object of at most {@code max} fields; none when absent or null. */
  private static Iterable<Map.Entry<String, JsonNode>> entries(JsonNode node, String where,
      String shape, String noun, int max) throws MalformedReviewException {
    if (node == null || node.isNull()) {
      return List.of();
    }
    if (!node.isObject()) {
      throw new MalformedReviewException(where + " must be an object: " + shape);
    }
    if (node.size() > max) {
      throw new MalformedReviewException(where + " has " + node.size() + " " + noun
          + "; at most " + max);
    }
    return node.properties();
  }

  private static String value(JsonNode value, String field) throws MalformedReviewException {
    if (!value.isString()) {
      throw new MalformedReviewException(field + " must be a string");
    }
    QuestionFields.text(value.asString(), field, MAX_VALUE);
    return value.asString();
  }
}
