package io.opendatahub.mlflow.webhook.admission;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads {@code AdmissionReview} requests ({@code admission.k8s.io/v1} and {@code v1beta1}) and
 * writes responses in the version the request came in. Anything it cannot read becomes a {@link
 * MalformedReviewException} whose message tells the caller what to fix.
 */
public final class AdmissionReviewCodec {

  /**
   * JSON tokens (keys, values, brackets) a review may hold. The tree costs 35-50 bytes of heap
   * per token (measured for objects of one small field, four tokens each), so this caps one
   * decoded review near 12 MiB plus its strings whatever its shape, where a 7 MiB body of tiny
   * objects expanded to a 169 MiB tree. Real reviews are far below: an MLflow CR holds hundreds
   * of tokens, a RoleBinding 8 per subject, so an UPDATE of one with 10,000 subjects fits.
   */
  public static final long MAX_TOKENS = 250_000;
  /** Kubernetes objects nest a few dozen levels at most. */
  public static final int MAX_NESTING = 100;
  /**
   * Longest string value: a ConfigMap or Secret value is at most 1 MiB, and all annotations
   * of an object together 256 KiB.
   */
  public static final int MAX_STRING_CHARS = 1024 * 1024;
  /** Longest key: label and annotation keys are at most 317 characters (prefix/name). */
  public static final int MAX_NAME_CHARS = 1024;
  /** Longest number: int64 and float64 values need about 25 characters. */
  public static final int MAX_NUMBER_CHARS = 100;

  private static final StreamReadConstraints LIMITS = StreamReadConstraints.builder()
      .maxTokenCount(MAX_TOKENS)
      .maxNestingDepth(MAX_NESTING)
      .maxStringLength(MAX_STRING_CHARS)
      .maxNameLength(MAX_NAME_CHARS)
      .maxNumberLength(MAX_NUMBER_CHARS)
      .build();

  private final JsonMapper mapper = JsonMapper.builder(
          JsonFactory.builder().streamReadConstraints(LIMITS).build())
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  public AdmissionReview decode(byte[] body) throws MalformedReviewException {
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
      throw new MalformedReviewException("the review is beyond what the webhook reads: "
          + limitText(e) + "; no Kubernetes object this webhook judges comes near it", 413);
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

  /**
   * The response document, in the API version of the request. Written straight to a generator:
   * building it as a tree first was a tenth of a patched review's CPU in a profile under load.
   */
  public byte[] encode(String apiVersion, AdmissionResponse response) {
    byte[] patch = response.hasPatch() ? mapper.writeValueAsBytes(response.patch()) : null;
    return write(json -> {
      json.writeStartObject();
      json.writeStringProperty("apiVersion", apiVersion);
      json.writeStringProperty("kind", "AdmissionReview");
      json.writeObjectPropertyStart("response");
      json.writeStringProperty("uid", response.uid());
      json.writeBooleanProperty("allowed", response.allowed());
      if (!response.allowed()) {
        json.writeObjectPropertyStart("status");
        json.writeStringProperty("status", "Failure");
        json.writeNumberProperty("code", response.code());
        json.writeStringProperty("reason", reasonPhrase(response.code()));
        json.writeStringProperty("message", response.message());
        json.writeEndObject();
      }
      if (!response.warnings().isEmpty()) {
        json.writeArrayPropertyStart("warnings");
        for (String warning : response.warnings()) {
          json.writeString(warning);
        }
        json.writeEndArray();
      }
      if (!response.auditAnnotations().isEmpty()) {
        json.writeObjectPropertyStart("auditAnnotations");
        for (Map.Entry<String, String> entry : response.auditAnnotations().entrySet()) {
          json.writeStringProperty(entry.getKey(), entry.getValue());
        }
        json.writeEndObject();
      }
      if (patch != null) {
        json.writeStringProperty("patchType", "JSONPatch");
        // Base64 with padding and no line breaks, as java.util.Base64's basic encoder.
        json.writeBinaryProperty("patch", patch);
      }
      json.writeEndObject();
      json.writeEndObject();
    });
  }

  /** A small JSON error body for 4xx/5xx answers: {@code {"code":400,"message":"..."}}. */
  public byte[] error(int code, String message) {
    return write(json -> {
      json.writeStartObject();
      json.writeNumberProperty("code", code);
      json.writeStringProperty("message", message);
      json.writeEndObject();
    });
  }

  private byte[] write(Consumer<JsonGenerator> document) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    try (JsonGenerator json = mapper.createGenerator(out)) {
      document.accept(json);
    }
    return out.toByteArray();
  }

  private static String reasonPhrase(int code) {
    return switch (code) {
      case 400 -> "BadRequest";
      case 403 -> "Forbidden";
      case 422 -> "Invalid";
      default -> "InternalError";
    };
  }

  private static String quoted(String value) {
    return value == null ? "nothing" : "'" + truncate(value) + "'";
  }

  private static String truncate(String value) {
    return value.length() > 80 ? value.substring(0, 80) + "..." : value;
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
