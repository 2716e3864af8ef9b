package io.opendatahub.mlflow.webhook.authz;

import io.opendatahub.mlflow.webhook.admission.JsonFields;
import io.opendatahub.mlflow.webhook.admission.MalformedReviewException;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.Answer;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.CheckOutcome;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.Question;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The route-question codec as it was before it streamed (session 7, issue 19), kept as the
 * reference that {@link CodecDifferentialTest} holds the streaming codec to; not used by the
 * service. The JSON of {@code POST /authorize/mlflow}: one question {@code {workspace, method, path,
 * name, body, query, headers}} (all but method and path optional), or a batch
 * {@code {"checks": [...]}} answered as {@code {"results": [...]}} in order.
 */
final class LegacyRouteQuestionCodec {

  static final int MAX_BATCH = 1000;
  private static final int MAX_METHOD = 16;
  /** Longer than any route of the table with its parameters; a URL beyond it is not a request. */
  private static final int MAX_PATH = 8192;
  /**
   * No question without a body, at its limits (path, name, workspace, method) and with room for
   * whitespace, is larger: a larger request is a batch, or carries a request body, and is read
   * off the event loop.
   */
  static final int MAX_QUESTION_BYTES = 16 * 1024;

  private final JsonMapper mapper =
      JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  RouteQuestionCodec.Decoded decode(byte[] body) throws MalformedReviewException {
    JsonNode root = JsonFields.object(mapper, body,
        "{\"workspace\", \"method\", \"path\"} or {\"checks\": [...]}");
    JsonNode checks = root.get("checks");
    if (checks == null) {
      return new RouteQuestionCodec.Decoded(false, List.of(question(root, "")));
    }
    if (!checks.isArray() || checks.isEmpty()) {
      throw new MalformedReviewException("checks must be a non-empty list of"
          + " {workspace, method, path[, name]}");
    }
    if (checks.size() > MAX_BATCH) {
      throw new MalformedReviewException("checks has " + checks.size() + " entries; at most "
          + MAX_BATCH + " per request");
    }
    List<Question> questions = new ArrayList<>();
    for (int i = 0; i < checks.size(); i++) {
      JsonNode check = checks.get(i);
      if (!check.isObject()) {
        throw new MalformedReviewException("checks[" + i + "] must be an object");
      }
      questions.add(question(check, "checks[" + i + "]."));
    }
    return new RouteQuestionCodec.Decoded(true, questions);
  }

  private static Question question(JsonNode node, String where) throws MalformedReviewException {
    String method = required(node, "method", where);
    String path = required(node, "path", where);
    String workspace = field(node, "workspace", where);
    String name = field(node, "name", where);
    // Checked here so that nothing Kubernetes could not hold reaches the cache or a log line.
    QuestionFields.namespace(workspace, where + "workspace");
    QuestionFields.name(name, where + "name");
    QuestionFields.word(method, where + "method", true, MAX_METHOD);
    QuestionFields.text(path, where + "path", MAX_PATH);
    JsonNode body = node.get("body");
    return new Question(workspace, method, path, name, body == null || body.isNull() ? null : body,
        RequestParts.query(node.get("query"), where + "query"),
        RequestParts.headers(node.get("headers"), where + "headers"));
  }

  private static String required(JsonNode node, String field, String where)
      throws MalformedReviewException {
    String value = field(node, field, where);
    if (value == null || value.isBlank()) {
      throw new MalformedReviewException(where + field + " is required");
    }
    return value;
  }

  private static String field(JsonNode node, String field, String where)
      throws MalformedReviewException {
    try {
      return JsonFields.string(node, field);
    } catch (MalformedReviewException e) {
      throw new MalformedReviewException(where + e.getMessage());
    }
  }

  byte[] encode(Answer answer) {
    return mapper.writeValueAsBytes(answer(answer));
  }

  byte[] encodeBatch(List<Answer> answers) {
    ObjectNode root = mapper.createObjectNode();
    ArrayNode results = root.putArray("results");
    answers.forEach(answer -> results.add(answer(answer)));
    return mapper.writeValueAsBytes(root);
  }

  private ObjectNode answer(Answer answer) {
    ObjectNode node = mapper.createObjectNode();
    if (answer.status() != 200) {
      node.put("status", answer.status());
      node.put("error", answer.error());
      return node;
    }
    node.put("allowed", answer.allowed());
    putIfPresent(node, "resource", answer.resource());
    putIfPresent(node, "verb", answer.verb());
    putIfPresent(node, "reason", answer.reason());
    if (answer.filtered()) {
      node.put("filtered", true);
    }
    if (answer.workspaces() != null) {
      ArrayNode workspaces = node.putArray("workspaces");
      answer.workspaces().workspaces().forEach(workspaces::add);
      if (answer.workspaces().undecided() > 0) {
        node.put("undecided", answer.workspaces().undecided());
      }
    }
    if (!answer.checks().isEmpty()) {
      ArrayNode checks = node.putArray("checks");
      for (CheckOutcome outcome : answer.checks()) {
        ObjectNode check = checks.addObject();
        check.put("resource", outcome.resource());
        check.put("verb", outcome.verb());
        putIfPresent(check, "name", outcome.name());
        check.put("allowed", outcome.allowed());
        putIfPresent(check, "reason", outcome.reason());
        putIfPresent(check, "evaluationError", outcome.evaluationError());
      }
    }
    return node;
  }

  private static void putIfPresent(ObjectNode node, String field, String value) {
    if (value != null) {
      node.put(field, value);
    }
  }
}
