package io.opendatahub.mlflow.webhook.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.fabric8.zjsonpatch.JsonPatch;
import io.opendatahub.mlflow.webhook.bench.ApiServerReview;
import io.opendatahub.mlflow.webhook.cli.Handlers;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The stream reader against the tree reader it replaced on the hot path: every input either
 * decodes to the same request (object trees equal once {@code metadata.managedFields} and {@code
 * status} are taken out of the tree reader's) or fails with the same status and message. The
 * inputs: every sample and review fixture, the hostile corpus, an API-server-shaped review, and
 * variants of it (reordered fields, a duplicated key in every object, every node of it replaced
 * by every JSON type, numbers, strings, names, nesting and token counts at the reading limits in
 * built and in skipped parts, invalid UTF-8 in strings and names, trailing content). A
 * well-formed review must be read by the stream reader itself, not handed to the tree reader.
 */
class StreamedDecodingTest {

  private static final AdmissionReviewCodec CODEC = new AdmissionReviewCodec();
  private static final Policy POLICY = TestPolicies.shipped();
  private static final DecisionContext CONTEXT =
      new DecisionContext(POLICY, StaticNamespaceFacts.fromPolicy(POLICY));
  private static final AdmissionService SERVICE = new AdmissionService(Handlers.all());
  private static final String SLOT = "@@raw@@";

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void fixturesDecodeAsTheTreeDecodedThem(String name, byte[] body) {
    assertSameAsTree(name, body);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  void variantsDecodeOrFailAsTheTreeDecodedThem(String name, byte[] body) {
    assertSameAsTree(name, body);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("atTheLimits")
  void inputsAtTheReadingLimitsDecodeOrFailAsTheTreeDecodedThem(String name,
      Supplier<byte[]> body) {
    assertSameAsTree(name, body.get());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidUtf8")
  void invalidUtf8InReadAndSkippedPartsFailsAsTheTreeFailed(String name, byte[] body) {
    assertSameAsTree(name, body);
  }

  @Test
  void theApiServerReviewIsReadWithoutManagedFieldsAndStatus() throws Exception {
    AdmissionRequest request = CODEC.decode(ApiServerReview.body()).request();

    for (JsonNode object : List.of(request.object(), request.oldObject())) {
      assertThat(object.path("metadata").has("managedFields")).isFalse();
      assertThat(object.has("status")).isFalse();
      assertThat(object.path("metadata").path("annotations")
          .has("kubectl.kubernetes.io/last-applied-configuration")).isTrue();
      assertThat(object.path("spec").path("backendStoreUriFrom").path("name").asString())
          .isEqualTo("mlflow-db-credentials");
    }
    assertThat(request.userInfo().groups()).contains("team-a-admins");
    assertThat(request.operation()).isEqualTo(Operation.UPDATE);
    // The bench's validate-apiserver workload answers as validate-allowed does.
    assertThat(SERVICE.validate(request, CONTEXT).allowed()).isTrue();
  }

  @Test
  void theMutatePatchAppliesToTheObjectTheApiServerHolds() throws Exception {
    ObjectNode spec = (ObjectNode) Fixtures.mlflow("sqlite-no-storage.yaml").get("spec");
    byte[] body = ApiServerReview.body(spec);
    JsonNode held = Fixtures.JSON.readTree(body).at("/request/object");

    AdmissionResponse mutated = SERVICE.mutate(CODEC.decode(body).request(), CONTEXT);

    assertThat(mutated.hasPatch()).isTrue();
    JsonNode patched = JsonPatch.apply(mutated.patch(), held);
    assertThat(patched.at("/spec/storage").isObject()).isTrue();
    ObjectNode unchanged = (ObjectNode) patched.deepCopy();
    ((ObjectNode) unchanged.get("spec")).remove("storage");
    assertThat(unchanged).as("all but the defaulted storage as the API server holds it")
        .isEqualTo(held);
  }

  static Stream<Arguments> fixtures() throws IOException {
    List<Arguments> cases = new ArrayList<>();
    for (String dir : List.of("mlflow", "mlflow/upstream")) {
      for (String sample : resources(dir, ".yaml")) {
        if (sample.equals("expected.yaml")) {
          continue;
        }
        ObjectNode object = Fixtures.yaml(dir + "/" + sample);
        cases.add(Arguments.of(sample + " CREATE", Fixtures.mlflowReview(object).bytes()));
        cases.add(Arguments.of(sample + " UPDATE v1beta1 dry run", Fixtures.mlflowReview(object)
            .apiVersion(AdmissionReview.V1BETA1).operation("UPDATE").oldObject(object.deepCopy())
            .dryRun(true).bytes()));
        cases.add(Arguments.of(sample + " status write", Fixtures.mlflowReview(object)
            .operation("UPDATE").subResource("status").oldObject(object).bytes()));
        cases.add(Arguments.of(sample + " DELETE", Fixtures.mlflowReview(null).operation("DELETE")
            .oldObject(object).bytes()));
      }
    }
    for (String review : resources("reviews", ".json")) {
      cases.add(Arguments.of(review, read("reviews/" + review)));
    }
    cases.add(Arguments.of("RoleBinding", roleBinding()));
    cases.add(Arguments.of("API-server-shaped review", ApiServerReview.body()));
    List<?> hostile = new YAMLMapper().readValue(read("hostile/admission-corpus.yaml"),
        List.class);
    for (Object entry : hostile) {
      Map<?, ?> hostileCase = (Map<?, ?>) entry;
      Object body = hostileCase.get("body");
      if (body instanceof String text) {
        cases.add(Arguments.of("hostile: " + hostileCase.get("name"),
            text.getBytes(StandardCharsets.UTF_8)));
      }
    }
    return cases.stream();
  }

  static Stream<Arguments> variants() {
    ObjectNode review = review();
    List<Arguments> cases = new ArrayList<>();
    Random random = new Random(19);
    for (int i = 0; i < 5; i++) {
      cases.add(Arguments.of("fields reordered #" + i, bytes(shuffled(review, random))));
    }
    for (JsonNode object : objects(review)) {
      if (object.size() > 0) {
        cases.add(Arguments.of("duplicate key " + object.propertyNames().iterator().next()
            + " in an object of " + object.size(), duplicated(review, object)));
      }
    }
    List<String> values = List.of(SLOT, "null", "1", "-0", "1.5", "true", "\"\"", "\"x\"",
        "[]", "{}", "[\"x\"]", "[1]", "{\"a\":1}");
    for (JsonPointerSlot at : nodes(review)) {
      for (String value : values) {
        String name = at.path() + " = " + (value.equals(SLOT) ? "(removed)" : value);
        cases.add(Arguments.of(name, at.replaced(review, value)));
      }
    }
    for (String trailing : List.of("x", " {}", "\n \t", "]", "}", " null", ",")) {
      cases.add(Arguments.of("trailing " + trailing.strip(),
          (review.toString() + trailing).getBytes(StandardCharsets.UTF_8)));
    }
    return cases.stream();
  }

  static Stream<Arguments> atTheLimits() {
    ObjectNode review = review();
    Map<String, ObjectNode> slots = Map.of(
        "spec", (ObjectNode) review.at("/request/object/spec"),
        "managedFields", (ObjectNode) review.at("/request/object/metadata/managedFields/0/fieldsV1"),
        "old managedFields", (ObjectNode) review.at("/request/oldObject/metadata/managedFields/2"),
        "status", (ObjectNode) review.at("/request/object/status"),
        "options", (ObjectNode) review.at("/request/options"),
        "userInfo.extra", (ObjectNode) review.at("/request/userInfo/extra"),
        "root", review);
    int max = AdmissionReviewCodec.MAX_STRING_CHARS;
    int name = AdmissionReviewCodec.MAX_NAME_CHARS;
    List<String> raws = new ArrayList<>(List.of("0", "-0", "-0.0", "1e400", "-1e400", "1E-400",
        "2147483647", "2147483648", "-2147483649", "9223372036854775807", "9223372036854775808",
        "-9223372036854775809", "123456789012345678901234567890", "9".repeat(100),
        "9".repeat(101), "0." + "1".repeat(98), "1.5e-7", "01", "1.", "-", "+1", "NaN",
        "Infinity", "{\"a\":1,\"a\":2}", "[{\"a\":1,\"b\":{\"c\":1,\"c\":1}}]",
        "\"" + "x".repeat(max - 1) + "\"", "\"" + "x".repeat(max) + "\"",
        "\"" + "x".repeat(max + 1) + "\"", "\"" + "é".repeat(max) + "\"",
        "\"" + "é".repeat(max + 1) + "\"", "[\"" + "\\u00e9".repeat(max + 1) + "\"]",
        "{\"" + "k".repeat(name) + "\":1}", "{\"" + "k".repeat(name + 1) + "\":1}",
        "{\"" + "é".repeat(name + 1) + "\":1}", "\"unterminated", "[1,2"));
    // Objects narrower and wider than what DuplicateNames compares one by one, with and without
    // a name written twice, beside an inner object of the same names; a duplicate before and
    // after a value past a limit (the first refusal is the one answered).
    for (int width : List.of(2, 3, DuplicateNames.SCANNED - 1, DuplicateNames.SCANNED,
        DuplicateNames.SCANNED + 1, DuplicateNames.SCANNED + 2, 40)) {
      String names = IntStream.range(0, width).mapToObj(i -> "\"k" + i + "\":" + i)
          .collect(Collectors.joining(","));
      raws.add("{" + names + "}");
      raws.add("{" + names + ",\"k0\":0}");
      raws.add("{" + names + ",\"k" + (width - 1) + "\":0}");
      raws.add("{" + names + ",\"in\":{" + names + "},\"k1\":0}");
      raws.add("{" + names + ",\"in\":[{" + names + "}],\"last\":{" + names + "}}");
    }
    raws.addAll(List.of("{\"k0\":1,\"\\u006b0\":2}", "{\"a\":{},\"a\":[]}",
        "{\"a\":1,\"a\":\"" + "x".repeat(max + 1) + "\"}",
        "{\"a\":\"" + "x".repeat(max + 1) + "\",\"a\":1}",
        "{\"a\":1,\"a\":{\"" + "k".repeat(name + 1) + "\":1}}"));
    for (int depth = 88; depth <= 98; depth++) {
      raws.add("[".repeat(depth) + "]".repeat(depth));
      raws.add("{\"a\":".repeat(depth) + "1" + "}".repeat(depth));
    }
    List<Arguments> cases = new ArrayList<>();
    for (Map.Entry<String, ObjectNode> slot : slots.entrySet()) {
      for (String raw : raws) {
        // Bodies of megabytes each: made when their case runs, not all held at once.
        cases.add(Arguments.of(slot.getKey() + ": " + abbreviated(raw),
            (Supplier<byte[]>) () -> withRaw(review, slot.getValue(), raw)));
      }
      // Token counts straddling the limit, wherever the exact count falls.
      long base = tokens(withRaw(review, slot.getValue(), "1")) - 1;
      for (long off = -2; off <= 2; off++) {
        int ones = (int) (AdmissionReviewCodec.MAX_TOKENS + off - base - 2);
        cases.add(Arguments.of(slot.getKey() + ": tokens at limit " + (off >= 0 ? "+" : "") + off,
            (Supplier<byte[]>) () -> withRaw(review, slot.getValue(),
                "[" + "1,".repeat(ones - 1) + "1]")));
      }
    }
    return cases.stream();
  }

  /**
   * Byte sequences in a string value and in a name, in built and in skipped parts. The parser
   * checks more when it decodes a string than when it skips one unread (jackson-core 3.2 refuses
   * an encoded surrogate, ED A0 80, only when decoding): a skipped string must still be decoded,
   * or a body the tree refuses would be read.
   */
  static Stream<Arguments> invalidUtf8() {
    ObjectNode review = review();
    Map<String, ObjectNode> slots = Map.of(
        "spec", (ObjectNode) review.at("/request/object/spec"),
        "managedFields", (ObjectNode) review.at("/request/object/metadata/managedFields/0/fieldsV1"),
        "status", (ObjectNode) review.at("/request/object/status"),
        "options", (ObjectNode) review.at("/request/options"),
        "root", review);
    Map<String, byte[]> sequences = Map.of(
        "encoded surrogate ED A0 80", new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
        "encoded surrogate ED BF BF", new byte[] {(byte) 0xED, (byte) 0xBF, (byte) 0xBF},
        "bad continuation C3 28", new byte[] {(byte) 0xC3, 0x28},
        "stray continuation 80", new byte[] {(byte) 0x80},
        "byte FF", new byte[] {(byte) 0xFF},
        "overlong C0 AF", new byte[] {(byte) 0xC0, (byte) 0xAF},
        "past U+10FFFF F4 90 80 80",
            new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
        "truncated F0 9F 98", new byte[] {(byte) 0xF0, (byte) 0x9F, (byte) 0x98},
        "U+FFFF EF BF BF", new byte[] {(byte) 0xEF, (byte) 0xBF, (byte) 0xBF},
        "control character 01", new byte[] {0x01});
    byte[] marker = SLOT.getBytes(StandardCharsets.UTF_8);
    List<Arguments> cases = new ArrayList<>();
    for (Map.Entry<String, ObjectNode> slot : slots.entrySet()) {
      for (Map.Entry<String, byte[]> sequence : sequences.entrySet()) {
        for (String raw : List.of("\"a" + SLOT + "b\"", "{\"a" + SLOT + "b\":1}")) {
          byte[] body = withRaw(review, slot.getValue(), raw);
          cases.add(Arguments.of(slot.getKey() + ": " + sequence.getKey() + " in "
              + (raw.startsWith("{") ? "a name" : "a string"),
              replaced(body, marker, sequence.getValue())));
        }
      }
    }
    return cases.stream();
  }

  /** {@code body} with its one {@code marker} replaced by {@code bytes}. */
  private static byte[] replaced(byte[] body, byte[] marker, byte[] bytes) {
    String text = new String(body, StandardCharsets.ISO_8859_1);
    int at = text.indexOf(new String(marker, StandardCharsets.ISO_8859_1));
    byte[] out = new byte[body.length - marker.length + bytes.length];
    System.arraycopy(body, 0, out, 0, at);
    System.arraycopy(bytes, 0, out, at, bytes.length);
    System.arraycopy(body, at + marker.length, out, at + bytes.length,
        body.length - at - marker.length);
    return out;
  }

  /** Same outcome as the tree reader, and a readable review read by the stream reader. */
  private static void assertSameAsTree(String name, byte[] body) {
    AdmissionReview expected = null;
    MalformedReviewException refused = null;
    try {
      expected = withoutUnread(CODEC.decodeAsTree(body));
    } catch (MalformedReviewException e) {
      refused = e;
    }
    try {
      AdmissionReview streamed = CODEC.decodeStreamed(body);
      if (refused == null) {
        assertThat(streamed).as(name + ": read by the stream reader as by the tree")
            .isEqualTo(expected);
      } else {
        assertThat(streamed).as(name + ": left to the tree reader (" + refused.getMessage()
            + ")").isNull();
      }
    } catch (MalformedReviewException e) {
      assertThat(refused).as(name + ": the stream reader refused (" + e.getMessage()
          + ") what the tree read").isNotNull();
      assertThat(e.status()).as(name + ": only a limit is refused by the stream reader")
          .isEqualTo(413).isEqualTo(refused.status());
      assertThat(e.getMessage()).as(name).isEqualTo(refused.getMessage());
    }
    try {
      AdmissionReview decoded = CODEC.decode(body);
      if (refused != null) {
        fail(name + ": decoded, where the tree refused it: " + refused.getMessage());
      }
      assertThat(decoded).as(name).isEqualTo(expected);
    } catch (MalformedReviewException e) {
      assertThat(refused).as(name + ": refused (" + e.getMessage() + ") where the tree read it")
          .isNotNull();
      assertThat(e.getMessage()).as(name).isEqualTo(refused.getMessage());
      assertThat(e.status()).as(name).isEqualTo(refused.status());
    }
  }

  /** The tree reader's review with what the stream reader leaves out taken out. */
  private static AdmissionReview withoutUnread(AdmissionReview review) {
    AdmissionRequest r = review.request();
    return new AdmissionReview(review.apiVersion(), new AdmissionRequest(r.uid(), r.kind(),
        r.subResource(), r.name(), r.namespace(), r.operation(), r.userInfo(),
        withoutUnread(r.object()), withoutUnread(r.oldObject()), r.dryRun()));
  }

  private static JsonNode withoutUnread(JsonNode object) {
    if (object == null) {
      return null;
    }
    ObjectNode copy = (ObjectNode) object.deepCopy();
    copy.remove("status");
    if (copy.get("metadata") instanceof ObjectNode metadata) {
      metadata.remove("managedFields");
    }
    return copy;
  }

  private static ObjectNode review() {
    return (ObjectNode) Fixtures.JSON.readTree(ApiServerReview.body());
  }

  private static byte[] roleBinding() {
    return new Fixtures.Review().kind("rbac.authorization.k8s.io", "v1", "RoleBinding")
        .operation("UPDATE")
        .object(Fixtures.JSON.readTree("{\"apiVersion\":\"rbac.authorization.k8s.io/v1\","
            + "\"kind\":\"RoleBinding\",\"metadata\":{\"name\":\"viewers\",\"namespace\":"
            + "\"team-a\",\"managedFields\":[{\"manager\":\"kubectl\"}]},\"roleRef\":{\"apiGroup\":"
            + "\"rbac.authorization.k8s.io\",\"kind\":\"ClusterRole\",\"name\":\"view\"},"
            + "\"subjects\":[{\"kind\":\"ServiceAccount\",\"name\":\"sa\"}]}"))
        .oldObject(null).bytes();
  }

  private static byte[] bytes(JsonNode node) {
    return Fixtures.JSON.writeValueAsBytes(node);
  }

  /** The review with {@code raw} JSON text as the value of a new field of {@code slot}. */
  private static byte[] withRaw(ObjectNode review, ObjectNode slot, String raw) {
    slot.put("zz-raw", SLOT);
    String text = review.toString();
    slot.remove("zz-raw");
    return text.replace("\"" + SLOT + "\"", raw).getBytes(StandardCharsets.UTF_8);
  }

  private static long tokens(byte[] body) {
    long count = 0;
    try (JsonParser parser = Fixtures.JSON.createParser(body)) {
      while (parser.nextToken() != null) {
        count++;
      }
    }
    return count;
  }

  private static JsonNode shuffled(JsonNode node, Random random) {
    if (node.isObject()) {
      List<String> names = new ArrayList<>(node.propertyNames());
      Collections.shuffle(names, random);
      ObjectNode copy = Fixtures.JSON.createObjectNode();
      names.forEach(n -> copy.set(n, shuffled(node.get(n), random)));
      return copy;
    }
    if (node.isArray()) {
      ArrayNode copy = Fixtures.JSON.createArrayNode();
      node.forEach(item -> copy.add(shuffled(item, random)));
      return copy;
    }
    return node;
  }

  private static List<JsonNode> objects(JsonNode node) {
    List<JsonNode> found = new ArrayList<>();
    if (node.isObject()) {
      found.add(node);
    }
    if (node.isContainer()) {
      node.forEach(child -> found.addAll(objects(child)));
    }
    return found;
  }

  /** The review's text with the first key of {@code target} written a second time. */
  private static byte[] duplicated(JsonNode review, JsonNode target) {
    Set<JsonNode> targets = Collections.newSetFromMap(new IdentityHashMap<>());
    targets.add(target);
    StringBuilder out = new StringBuilder();
    write(review, targets, out);
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void write(JsonNode node, Set<JsonNode> targets, StringBuilder out) {
    if (node.isObject()) {
      out.append('{');
      boolean first = true;
      for (Map.Entry<String, JsonNode> property : node.properties()) {
        if (!first) {
          out.append(',');
        }
        first = false;
        out.append(Fixtures.JSON.writeValueAsString(property.getKey())).append(':');
        write(property.getValue(), targets, out);
      }
      if (targets.contains(node)) {
        Map.Entry<String, JsonNode> property = node.properties().iterator().next();
        out.append(',').append(Fixtures.JSON.writeValueAsString(property.getKey()))
            .append(":\"again\"");
      }
      out.append('}');
    } else if (node.isArray()) {
      out.append('[');
      for (int i = 0; i < node.size(); i++) {
        out.append(i > 0 ? "," : "");
        write(node.get(i), targets, out);
      }
      out.append(']');
    } else {
      out.append(node.toString());
    }
  }

  /** A node of the review, by its parent and its key or index. */
  record JsonPointerSlot(String path, JsonNode parent, String key, int index) {
    byte[] replaced(ObjectNode review, String raw) {
      JsonNode before = key != null ? parent.get(key) : parent.get(index);
      set(Fixtures.JSON.getNodeFactory().stringNode(SLOT));
      String text = review.toString();
      set(before);
      String replaced = raw.equals(SLOT)
          ? text.replace(key != null ? ",\"" + key + "\":\"" + SLOT + "\"" : ",\"" + SLOT + "\"",
              "").replace(key != null ? "\"" + key + "\":\"" + SLOT + "\"," : "\"" + SLOT + "\",",
              "").replace(key != null ? "\"" + key + "\":\"" + SLOT + "\"" : "\"" + SLOT + "\"",
              "")
          : text.replace("\"" + SLOT + "\"", raw);
      return replaced.getBytes(StandardCharsets.UTF_8);
    }

    private void set(JsonNode value) {
      if (key != null) {
        ((ObjectNode) parent).set(key, value);
      } else {
        ((ArrayNode) parent).set(index, value);
      }
    }
  }

  /** Every node of the review below the root, envelope and objects alike. */
  private static List<JsonPointerSlot> nodes(JsonNode review) {
    List<JsonPointerSlot> found = new ArrayList<>();
    collect(review, "", found);
    return found;
  }

  private static void collect(JsonNode node, String path, List<JsonPointerSlot> found) {
    if (node.isObject()) {
      for (Map.Entry<String, JsonNode> property : node.properties()) {
        String at = path + "/" + property.getKey();
        found.add(new JsonPointerSlot(at, node, property.getKey(), -1));
        collect(property.getValue(), at, found);
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        found.add(new JsonPointerSlot(path + "/" + i, node, null, i));
        collect(node.get(i), path + "/" + i, found);
      }
    }
  }

  private static String abbreviated(String raw) {
    return raw.length() > 40 ? raw.substring(0, 20) + "...(" + raw.length() + " chars)" : raw;
  }

  private static List<String> resources(String dir, String suffix) throws IOException {
    try (Stream<Path> files = Files.list(Path.of("src/test/resources", dir))) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(suffix)).sorted()
          .toList();
    }
  }

  private static byte[] read(String resource) {
    try (InputStream in = StreamedDecodingTest.class.getResourceAsStream("/" + resource)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
