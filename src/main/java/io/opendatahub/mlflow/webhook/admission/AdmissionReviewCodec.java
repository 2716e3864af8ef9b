package io.opendatahub.mlflow.webhook.admission;

import java.util.Map;
import tools.jackson.core.StreamReadConstraints;

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
    return streams.write(json -> {
      json.writeStartObject();
      json.writeNumberProperty("code", code);
      json.writeStringProperty("message", message);
      json.writeEndObject();
    });
  }

  private static String reasonPhrase(int code) {
    return switch (code) {
      case 400 -> "BadRequest";
      case 403 -> "Forbidden";
      case 422 -> "Invalid";
      default -> "InternalError";
    };
  }
}
