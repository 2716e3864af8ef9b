package io.opendatahub.mlflow.webhook.admission;

import java.util.List;
import java.util.Locale;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads a review as one tree and says precisely what is wrong with it: the diagnosing reader.
 * {@link ReviewStreamReader} reads well-formed reviews without the tree; whatever it does not
 * read whole comes here, so every malformed input gets the message and status it always got.
 */
final class ReviewTreeReader {

  private final JsonMapper mapper;

  ReviewTreeReader(JsonMapper mapper) {
    this.mapper = mapper;
  }

  AdmissionReview decode(byte[] body) throws MalformedReviewException {
    JsonNode root = parse(body);
    if (!root.isObject()) {
      throw new MalformedReviewException("the body must be a JSON object (an AdmissionReview)");
    }
    String apiVersion = string(root, "apiVersion");
    if (!AdmissionReview.V1.equals(apiVersion) && !AdmissionReview.V1BETA1.equals(apiVersion)) {
      throw new MalformedReviewException("apiVersion must be " + AdmissionReview.V1 + " or "
          + AdmissionReview.V1BETA1 + ", got " + quoted(apiVersion));
    }
    String kind = string(root, "kind");
    if (!"AdmissionReview".equals(kind)) {
      throw new MalformedReviewException("kind must be AdmissionReview, got " + quoted(kind));
    }
    JsonNode request = root.get("request");
    if (request == null || request.isNull()) {
      throw new MalformedReviewException("request is missing: an AdmissionReview must carry one");
    }
    if (!request.isObject()) {
      throw new MalformedReviewException("request must be an object");
    }
    return new AdmissionReview(apiVersion, decodeRequest(request));
  }

  private JsonNode parse(byte[] body) throws MalformedReviewException {
    if (body == null || body.length == 0) {
      throw new MalformedReviewException("the body is empty: send an AdmissionReview");
    }
    try {
      JsonNode root = mapper.readTree(body);
      if (root == null || root.isMissingNode()) {
        throw new MalformedReviewException("the body is empty: send an AdmissionReview");
      }
      return root;
    } catch (StreamConstraintsException e) {
      throw beyondLimits(e);
    } catch (JacksonException e) {
      throw new MalformedReviewException("the body is not valid JSON: " + firstLine(e));
    }
  }

  private static AdmissionRequest decodeRequest(JsonNode request)
      throws MalformedReviewException {
    String uid = string(request, "uid");
    if (uid == null || uid.isBlank()) {
      throw new MalformedReviewException("request.uid is missing: the response must echo it");
    }
    JsonNode kindNode = request.get("kind");
    if (kindNode == null || !kindNode.isObject()) {
      throw new MalformedReviewException("request.kind must be an object {group, version, kind}");
    }
    String group = string(kindNode, "group");
    String version = string(kindNode, "version");
    String kind = string(kindNode, "kind");
    if (kind == null || kind.isEmpty() || version == null || version.isEmpty()) {
      throw new MalformedReviewException("request.kind.version and request.kind.kind are required");
    }
    String operationText = string(request, "operation");
    Operation operation;
    try {
      operation = Operation.valueOf(operationText == null ? "" : operationText);
    } catch (IllegalArgumentException e) {
      throw new MalformedReviewException("request.operation must be CREATE, UPDATE, DELETE or"
          + " CONNECT, got " + quoted(operationText));
    }
    JsonNode object = objectOrNull(request, "object");
    JsonNode oldObject = objectOrNull(request, "oldObject");
    JsonNode dryRun = request.get("dryRun");
    if (dryRun != null && !dryRun.isNull() && !dryRun.isBoolean()) {
      throw new MalformedReviewException("request.dryRun must be a boolean");
    }
    return new AdmissionRequest(
        uid,
        new GroupVersionKind(group == null ? "" : group, version, kind),
        string(request, "subResource"),
        string(request, "name"),
        string(request, "namespace"),
        operation,
        userInfo(request.get("userInfo")),
        object,
        oldObject,
        dryRun != null && dryRun.booleanValue(false));
  }

  private static AdmissionRequest.UserInfo userInfo(JsonNode node)
      throws MalformedReviewException {
    if (node == null || node.isNull()) {
      return AdmissionRequest.UserInfo.ANONYMOUS;
    }
    if (!node.isObject()) {
      throw new MalformedReviewException("request.userInfo must be an object");
    }
    List<String> groups = JsonFields.strings(node.get("groups"), "request.userInfo.groups");
    return new AdmissionRequest.UserInfo(string(node, "username"), groups);
  }

  private static JsonNode objectOrNull(JsonNode request, String field)
      throws MalformedReviewException {
    JsonNode node = request.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isObject()) {
      throw new MalformedReviewException("request." + field + " must be an object or null");
    }
    return node;
  }

  private static String string(JsonNode parent, String field) throws MalformedReviewException {
    return JsonFields.string(parent, field);
  }

  private static String quoted(String value) {
    return value == null ? "nothing" : "'" + truncate(value) + "'";
  }

  private static String truncate(String value) {
    return value.length() > 80 ? value.substring(0, 80) + "..." : value;
  }

  /** The 413 for a review past one of the codec's reading limits. */
  static MalformedReviewException beyondLimits(StreamConstraintsException e) {
    return new MalformedReviewException("the review is beyond what the webhook reads: "
        + limitText(e) + "; no Kubernetes object this webhook judges comes near it", 413);
  }

  /** Jackson's message without its pointer to the API method that set the limit. */
  private static String limitText(StreamConstraintsException e) {
    String message = e.getOriginalMessage() == null ? "a reading limit" : e.getOriginalMessage();
    return message.replaceAll(", from `[^`]*`", "").trim();
  }

  private static String firstLine(JacksonException e) {
    String message = e.getOriginalMessage();
    if (message == null) {
      return e.getClass().getSimpleName().toLowerCase(Locale.ROOT);
    }
    int newline = message.indexOf('\n');
    String line = newline > 0 ? message.substring(0, newline) : message;
    // Jackson appends "(start marker at [Source: ...])": noise for the caller.
    int marker = line.indexOf(" (start marker at");
    line = marker > 0 ? line.substring(0, marker) : line;
    var location = e.getLocation();
    return location == null ? line
        : line + " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
  }
}
