package io.opendatahub.mlflow.webhook.authz;

import io.opendatahub.mlflow.webhook.admission.MalformedReviewException;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.Question;
import io.opendatahub.mlflow.webhook.policy.NameSource;
import io.opendatahub.mlflow.webhook.policy.RouteRule;
import io.opendatahub.mlflow.webhook.policy.RouteRule.Check;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * The names each check of a route may be retried with, read from the question where the route
 * table says (the question's {@code name}, a path parameter, the body, the query, a header).
 * Pure. A value of the wrong type is refused rather than skipped, so a malformed reference cannot
 * make a {@code when: referenced} check disappear; and one question causes at most
 * {@value #MAX_NAMES} named reviews, however long the lists in its body.
 */
final class CheckNames {

  static final int MAX_NAMES = 100;

  private CheckNames() {}

  /** For each check of the rule, in order, its names (deduplicated, in order of appearance). */
  static List<List<String>> of(RouteRule rule, Question question, Map<String, String> parameters)
      throws MalformedReviewException {
    List<List<String>> all = new ArrayList<>();
    int total = 0;
    for (Check check : rule.checks()) {
      Set<String> names = new LinkedHashSet<>();
      for (NameSource source : check.names()) {
        read(source, question, parameters, names);
        if (total + names.size() > MAX_NAMES) {
          throw new MalformedReviewException("the question names more than " + MAX_NAMES
              + " objects for the checks of " + rule.key() + " (" + source + " for " + check
              + "); at most " + MAX_NAMES + " named reviews per question");
        }
      }
      total += names.size();
      all.add(List.copyOf(names));
    }
    return all;
  }

  private static void read(NameSource source, Question question, Map<String, String> parameters,
      Set<String> names) throws MalformedReviewException {
    switch (source.kind()) {
      case QUESTION -> add(question.name(), "name", names);
      case PATH -> add(parameters.get(source.key()), "path parameter " + source.key(), names);
      case QUERY -> {
        for (String value : question.queryValues(source.key())) {
          add(value, "query." + source.key(), names);
        }
      }
      case HEADER -> add(question.header(source.key()), "headers." + source.key(), names);
      case BODY -> add(text(at(question.body(), source.fields()), "body." + source.key()),
          "body." + source.key(), names);
      case BODY_EACH -> each(question.body(), source, names);
    }
  }

  private static void each(JsonNode body, NameSource source, Set<String> names)
      throws MalformedReviewException {
    String where = "body." + source.key();
    JsonNode list = at(body, source.fields());
    if (list == null) {
      return;
    }
    if (!list.isArray()) {
      throw new MalformedReviewException(where + ": " + String.join(".", source.fields())
          + " must be a list");
    }
    for (JsonNode element : list) {
      JsonNode value = source.elementFields().isEmpty() ? element
          : at(element, source.elementFields());
      add(text(value, where), where, names);
      if (names.size() > MAX_NAMES) {
        // Stops reading a list of a million ids here; the caller reports the limit.
        return;
      }
    }
  }

  /** The node at a field path; null where a field is absent, null or not in an object. */
  private static JsonNode at(JsonNode node, List<String> fields) {
    JsonNode current = node;
    for (String field : fields) {
      if (current == null || !current.isObject()) {
        return null;
      }
      current = current.get(field);
    }
    return current == null || current.isNull() ? null : current;
  }

  /** Ids come as strings or, from some clients, as integers; anything else is not a name. */
  private static String text(JsonNode value, String where) throws MalformedReviewException {
    if (value == null || value.isNull()) {
      return null;
    }
    if (value.isString()) {
      return value.asString();
    }
    if (value.isIntegralNumber()) {
      return value.asString();
    }
    throw new MalformedReviewException(where + " must hold a string (an MLflow name or id), not "
        + value.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
  }

  private static void add(String value, String where, Set<String> names)
      throws MalformedReviewException {
    if (value == null || value.isBlank()) {
      return;
    }
    String name = value.strip();
    QuestionFields.name(name, where);
    names.add(name);
  }
}
