package io.opendatahub.mlflow.webhook.admission;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.admission.NamespaceFacts.KnownNamespace;
import io.opendatahub.mlflow.webhook.mlflow.MLflowAdmission;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.core.JsonPointer;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The codec writes answers straight to a generator (issue 19); the bytes must be those the tree
 * it used to build gave, to the byte: the API server and every test read them. The tree encoder
 * is kept here as the reference.
 */
class StreamedEncodingTest {

  private final AdmissionReviewCodec codec = new AdmissionReviewCodec();
  private static final JsonMapper MAPPER = JsonMapper.builder().build();

  /** The encoder as it was before issue 19: a tree, then its bytes. */
  private static byte[] treeEncoded(String apiVersion, AdmissionResponse response) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("apiVersion", apiVersion);
    root.put("kind", "AdmissionReview");
    ObjectNode body = root.putObject("response");
    body.put("uid", response.uid());
    body.put("allowed", response.allowed());
    if (!response.allowed()) {
      ObjectNode status = body.putObject("status");
      status.put("status", "Failure");
      status.put("code", response.code());
      status.put("reason", switch (response.code()) {
        case 400 -> "BadRequest";
        case 403 -> "Forbidden";
        case 422 -> "Invalid";
        default -> "InternalError";
      });
      status.put("message", response.message());
    }
    if (!response.warnings().isEmpty()) {
      var warnings = body.putArray("warnings");
      response.warnings().forEach(warnings::add);
    }
    if (!response.auditAnnotations().isEmpty()) {
      ObjectNode annotations = body.putObject("auditAnnotations");
      response.auditAnnotations().forEach(annotations::put);
    }
    if (response.hasPatch()) {
      body.put("patchType", "JSONPatch");
      body.put("patch", Base64.getEncoder().encodeToString(
          MAPPER.writeValueAsBytes(response.patch())));
    }
    return MAPPER.writeValueAsBytes(root);
  }

  private static byte[] treeError(int code, String message) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("code", code);
    root.put("message", message);
    return MAPPER.writeValueAsBytes(root);
  }

  /** Text that needs escaping or more than one byte per character. */
  private static final String AWKWARD = "quote \" backslash \\ newline\n tab\t nul\u0000 bell\u0007"
      + " é 日本 \uD83D\uDE00 </script> \u2028";

  private static final JsonPointer STORAGE = JsonPointer.compile("/spec/storage");

  private static AdmissionResponse patched(List<PatchOp> patch) {
    return new AdmissionResponse("u", true, 0, null, List.of(), Map.of(), patch, List.of());
  }

  static Stream<AdmissionResponse> responses() {
    List<AdmissionResponse> responses = new ArrayList<>();
    responses.add(AdmissionResponse.allow("u1"));
    responses.add(AdmissionResponse.allow(AWKWARD));
    responses.add(AdmissionResponse.allow(null));
    for (int code : new int[] {400, 403, 422, 500}) {
      responses.add(new AdmissionResponse("u", false, code, "spec.x: bad\nspec.y: " + AWKWARD,
          List.of("w"), Map.of(), null, List.of()));
    }
    responses.add(new AdmissionResponse("u", false, 403, null, List.of(), Map.of(), null,
        List.of()));
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put("policy-b", "second");
    annotations.put("policy-a", AWKWARD);
    annotations.put("policy-" + AWKWARD, "");
    responses.add(new AdmissionResponse("u", true, 0, null,
        Arrays.asList("one", AWKWARD, "", null), annotations, null, List.of()));
    // Patches of every length modulo 3, so base64 ends with no, one and two '='.
    for (int extra = 0; extra < 6; extra++) {
      responses.add(patched(List.of(new PatchOp(PatchOp.Op.ADD, STORAGE,
          MAPPER.getNodeFactory().stringNode("x".repeat(extra) + AWKWARD)))));
    }
    // Written from the operations, not a tree (issue 19): every kind of value, several
    // operations, a path whose keys RFC 6901 escapes, an index, a null value.
    ObjectNode volume = MAPPER.createObjectNode();
    volume.putObject("resources").putObject("requests").put("storage", "10Gi");
    volume.putArray("accessModes").add("ReadWriteOnce").add(AWKWARD);
    volume.putObject("empty");
    volume.putArray("none");
    volume.put("int", 7).put("long", Long.MAX_VALUE).put("double", 0.1).put("big",
        new java.math.BigDecimal("1e400")).put("yes", true).putNull("null");
    JsonPointer annotation = JsonPointer.compile("/metadata/annotations")
        .appendProperty("a/b~c " + AWKWARD);
    responses.add(patched(List.of(
        new PatchOp(PatchOp.Op.REPLACE, STORAGE, volume),
        new PatchOp(PatchOp.Op.ADD, annotation, MAPPER.getNodeFactory().stringNode("v")),
        new PatchOp(PatchOp.Op.ADD, STORAGE.appendProperty("accessModes").appendIndex(0),
            MAPPER.getNodeFactory().stringNode("ReadWriteMany")),
        new PatchOp(PatchOp.Op.ADD, JsonPointer.compile("/spec/x"), null),
        new PatchOp(PatchOp.Op.ADD, JsonPointer.compile("/spec/y"),
            MAPPER.getNodeFactory().nullNode()))));
    responses.add(patched(List.of()));
    responses.add(patched(null));
    return responses.stream();
  }

  @ParameterizedTest
  @MethodSource("responses")
  void writesTheBytesTheTreeWrote(AdmissionResponse response) {
    // The two versions the decoder takes are written pre-encoded; any other as a string.
    for (String version : List.of(AdmissionReview.V1, AdmissionReview.V1BETA1,
        "admission.k8s.io/v9 \"" + AWKWARD)) {
      assertThat(new String(codec.encode(version, response), StandardCharsets.UTF_8))
          .isEqualTo(new String(treeEncoded(version, response), StandardCharsets.UTF_8));
    }
  }

  @Test
  void errorBodiesAreTheBytesTheTreeWrote() {
    for (String message : new String[] {"bad request", AWKWARD, "", null}) {
      assertThat(codec.error(400, message)).isEqualTo(treeError(400, message));
    }
  }

  /** The shipped policy's answers to every MLflow sample, validated and mutated. */
  @Test
  void theAnswersToEverySampleAreTheBytesTheTreeWrote() throws Exception {
    AdmissionService service = new AdmissionService(List.of(new MLflowAdmission()));
    DecisionContext context = new DecisionContext(TestPolicies.shipped(),
        new StaticNamespaceFacts(List.of(new KnownNamespace("prod",
            Map.of("mlflow-policy.io/environment", "production")))));
    int patched = 0;
    int denied = 0;
    for (String sample : List.of("empty-uris.yaml", "env-credentials.yaml",
        "maintenance-jobs.yaml", "no-backend.yaml", "operator-env.yaml", "postgres-inline.yaml",
        "remote-storage.yaml", "restore-from-snapshot.yaml", "sqlite-dev.yaml",
        "sqlite-no-storage.yaml", "trace-archival-file.yaml")) {
      AdmissionRequest request = codec.decode(
          Fixtures.mlflowReview(Fixtures.mlflow(sample)).bytes()).request();
      for (AdmissionResponse response : List.of(service.validate(request, context),
          service.mutate(request, context))) {
        patched += response.hasPatch() ? 1 : 0;
        denied += response.allowed() ? 0 : 1;
        assertThat(codec.encode(AdmissionReview.V1, response))
            .as(sample).isEqualTo(treeEncoded(AdmissionReview.V1, response));
      }
    }
    assertThat(patched).as("samples whose answer carries a patch").isPositive();
    assertThat(denied).as("samples denied").isPositive();
  }
}
