package io.opendatahub.mlflow.webhook.admission;

import java.util.Map;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.SerializableString;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.io.SerializedString;

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

  // The answer's names and fixed values, quoted and encoded once: written as they are, not
  // escaped character by character for every answer.
  private static final SerializableString API_VERSION = new SerializedString("apiVersion");
  private static final SerializableString KIND = new SerializedString("kind");
  private static final SerializableString ADMISSION_REVIEW =
      new SerializedString("AdmissionReview");
  private static final SerializableString V1 = new SerializedString(AdmissionReview.V1);
  private static final SerializableString V1BETA1 = new SerializedString(AdmissionReview.V1BETA1);
  private static final SerializableString RESPONSE = new SerializedString("response");
  private static final SerializableString UID = new SerializedString("uid");
  private static final SerializableString ALLOWED = new SerializedString("allowed");
  private static final SerializableString STATUS = new SerializedString("status");
  private static final SerializableString FAILURE = new SerializedString("Failure");
  private static final SerializableString CODE = new SerializedString("code");
  private static final SerializableString REASON = new SerializedString("reason");
  private static final SerializableString MESSAGE = new SerializedString("message");
  private static final SerializableString BAD_REQUEST = new SerializedString("BadRequest");
  private static final SerializableString FORBIDDEN = new SerializedString("Forbidden");
  private static final SerializableString INVALID = new SerializedString("Invalid");
  private static final SerializableString INTERNAL_ERROR = new SerializedString("InternalError");
  private static final SerializableString WARNINGS = new SerializedString("warnings");
  private static final SerializableString AUDIT_ANNOTATIONS =
      new SerializedString("auditAnnotations");
  private static final SerializableString PATCH_TYPE = new SerializedString("patchType");
  private static final SerializableString JSON_PATCH = new SerializedString("JSONPatch");
  private static final SerializableString PATCH = new SerializedString("patch");

  private final JsonStreams streams = new JsonStreams(LIMITS);
  private final ReviewStreamReader streamReader = new ReviewStreamReader(streams);
  private final ReviewTreeReader treeReader = new ReviewTreeReader(streams.mapper());

  /**
   * The review in {@code body}. Well-formed reviews are read from the token stream without a tree
   * of the envelope and without what no rule reads ({@link ReviewStreamReader}); anything else
   * is read again as a tree, which says what is wrong ({@link ReviewTreeReader}).
   */
  public AdmissionReview decode(byte[] body) throws MalformedReviewException {
    AdmissionReview review = streamReader.read(body);
    return review != null ? review : treeReader.decode(body);
  }

  /** The tree reader alone: the decoder before the stream reader, which tests hold it to. */
  AdmissionReview decodeAsTree(byte[] body) throws MalformedReviewException {
    return treeReader.decode(body);
  }

  /** The stream reader alone: null for what it leaves to the tree reader. */
  AdmissionReview decodeStreamed(byte[] body) throws MalformedReviewException {
    return streamReader.read(body);
  }

  /**
   * The response document, in the API version of the request. Written straight to a generator:
   * building it as a tree first was a tenth of a patched review's CPU in a profile under load.
   */
  public byte[] encode(String apiVersion, AdmissionResponse response) {
    // Written before the answer, not inside it: one document at a time per thread's generator.
    byte[] patch = response.hasPatch()
        ? streams.write(json -> PatchOp.write(json, response.patchOps())) : null;
    return streams.write(json -> {
      json.writeStartObject();
      json.writeName(API_VERSION);
      writeApiVersion(json, apiVersion);
      json.writeName(KIND);
      json.writeString(ADMISSION_REVIEW);
      json.writeName(RESPONSE);
      json.writeStartObject();
      json.writeName(UID);
      json.writeString(response.uid());
      json.writeName(ALLOWED);
      json.writeBoolean(response.allowed());
      if (!response.allowed()) {
        json.writeName(STATUS);
        json.writeStartObject();
        json.writeName(STATUS);
        json.writeString(FAILURE);
        json.writeName(CODE);
        json.writeNumber(response.code());
        json.writeName(REASON);
        json.writeString(reasonPhrase(response.code()));
        json.writeName(MESSAGE);
        json.writeString(response.message());
        json.writeEndObject();
      }
      if (!response.warnings().isEmpty()) {
        json.writeName(WARNINGS);
        json.writeStartArray();
        for (String warning : response.warnings()) {
          json.writeString(warning);
        }
        json.writeEndArray();
      }
      if (!response.auditAnnotations().isEmpty()) {
        json.writeName(AUDIT_ANNOTATIONS);
        json.writeStartObject();
        for (Map.Entry<String, String> entry : response.auditAnnotations().entrySet()) {
          json.writeStringProperty(entry.getKey(), entry.getValue());
        }
        json.writeEndObject();
      }
      if (patch != null) {
        json.writeName(PATCH_TYPE);
        json.writeString(JSON_PATCH);
        // Base64 with padding and no line breaks, as java.util.Base64's basic encoder.
        json.writeName(PATCH);
        json.writeBinary(patch);
      }
      json.writeEndObject();
      json.writeEndObject();
    });
  }

  /** The request's API version: one of the two the decoder takes, written pre-encoded. */
  private static void writeApiVersion(JsonGenerator json, String apiVersion) {
    if (AdmissionReview.V1.equals(apiVersion)) {
      json.writeString(V1);
    } else if (AdmissionReview.V1BETA1.equals(apiVersion)) {
      json.writeString(V1BETA1);
    } else {
      json.writeString(apiVersion);
    }
  }

  /** A small JSON error body for 4xx/5xx answers: {@code {"code":400,"message":"..."}}. */
  public byte[] error(int code, String message) {
    return streams.write(json -> {
      json.writeStartObject();
      json.writeNumberProperty("code", code);
      json.writeStringProperty("message", message);
      json.writeEndObject();
    });
  }

  private static SerializableString reasonPhrase(int code) {
    return switch (code) {
      case 400 -> BAD_REQUEST;
      case 403 -> FORBIDDEN;
      case 422 -> INVALID;
      default -> INTERNAL_ERROR;
    };
  }
}
