package io.opendatahub.mlflow.webhook.authz;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.admission.MalformedReviewException;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.Answer;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.CheckOutcome;
import io.opendatahub.mlflow.webhook.policy.RouteRule;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The streaming codecs of {@code /authorize} and {@code /authorize/mlflow} against the tree
 * codecs they replaced ({@link LegacyAccessReviewCodec}, {@link LegacyRouteQuestionCodec}):
 * for every input, the same decoded values and the same bytes written back, or the same
 * refusal with the same message. Inputs: the hostile corpora, the tests' bodies, and variants
 * generated from them (every member removed, duplicated, or given a value of every type;
 * objects reordered; every prefix; unicode, escapes, huge numbers, deep nesting, bad UTF-8).
 */
class CodecDifferentialTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final AccessReviewCodec ACCESS = new AccessReviewCodec();
  private static final LegacyAccessReviewCodec ACCESS_BEFORE = new LegacyAccessReviewCodec();
  private static final RouteQuestionCodec ROUTES = new RouteQuestionCodec();
  private static final LegacyRouteQuestionCodec ROUTES_BEFORE = new LegacyRouteQuestionCodec();

  private static final List<AccessDecision> DECISIONS = List.of(
      new AccessDecision(true, false, "RBAC: allowed by \"view\" \u00e9\u2028/", null,
          AccessDecision.Source.CACHE),
      new AccessDecision(false, true, "disabled: AI Gateway", null, AccessDecision.Source.POLICY),
      AccessDecision.failClosed("the API server did not answer"));

  static final List<String> ACCESS_BASES = List.of(
      "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectAccessReview\","
          + "\"spec\":{\"resourceAttributes\":{\"namespace\":\"team-a\",\"verb\":\"get\","
          + "\"group\":\"mlflow.kubeflow.org\",\"resource\":\"experiments\"}}}",
      "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SubjectAccessReview\","
          + "\"metadata\":{\"name\":\"x\",\"labels\":{\"a\":\"b\"}},"
          + "\"spec\":{\"user\":\"alice\",\"uid\":\"42\",\"groups\":[\"g1\",\"g2\"],"
          + "\"extra\":{\"scopes\":[\"s1\"],\"k\":[]},"
          + "\"resourceAttributes\":{\"namespace\":\"ns\",\"verb\":\"use\","
          + "\"group\":\"mlflow.kubeflow.org\",\"version\":\"v1\",\"resource\":\"gatewayendpoints\","
          + "\"subresource\":\"use\",\"name\":\"ep-1\"}},\"status\":{\"allowed\":true}}",
      "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SubjectAccessReview\","
          + "\"spec\":{\"groups\":[\"system:authenticated\"],"
          + "\"nonResourceAttributes\":{\"path\":\"/healthz\",\"verb\":\"get\"}}}",
      "{\"status\":{\"x\":[1,2.5,-0.0,1e400]},\"apiVersion\":\"authorization.k8s.io/v1\","
          + "\"kind\":\"SelfSubjectAccessReview\",\"spec\":{\"resourceAttributes\":"
          + "{\"verb\":\"list\",\"resource\":\"experiments/x\",\"namespace\":\"\"},"
          + "\"other\":{\"deep\":[[{\"n\":123456789012345678901234567890}]]}}}");

  static final List<String> ROUTE_BASES = List.of(
      "{\"workspace\":\"team-a\",\"method\":\"GET\",\"path\":\"/api/2.0/mlflow/experiments/search\"}",
      "{\"workspace\":\"team-a\",\"method\":\"POST\",\"path\":\"/api/3.0/mlflow/scorers/list\","
          + "\"name\":\"n\",\"body\":{\"a\":[1,2],\"b\":null},\"query\":{\"experiment_id\":\"7\","
          + "\"tag\":[\"x\",\"y\"]},\"headers\":{\"X-MLflow-Experiment-Id\":\"9\"},\"extra\":1}",
      "{\"checks\":[{\"workspace\":\"team-a\",\"method\":\"GET\",\"path\":\"/api/2.0/mlflow/runs/get\"},"
          + "{\"workspace\":\"team-b\",\"method\":\"POST\",\"path\":\"/graphql\",\"body\":"
          + "{\"query\":\"{ x }\"}}],\"method\":\"ignored\"}");

  /** Values every member is replaced with in turn. */
  private static final List<String> VALUES = List.of("null", "5", "-1.5e400",
      "123456789012345678901234567890", "true", "\"\"", "\"x\"", "[]", "{}", "[\"a\",1]",
      "{\"a\":\"b\"}", "\"\u00fcn\u00ef\\u2028\\u0000 \\ud83d\\ude00\"",
      "\"raw \u2028\u2029\u007f \ud83d\ude00 {\\\"status\\\":1}\"", "\"status\"", "false", "\"GET\"", "\"team-a\"",
      "\"/api/2.0/mlflow/runs/get\"", "\"" + "n".repeat(300) + "\"", "[[[[[[]]]]]]");

  @Test
  void accessReviewsOfTheHostileCorpusAndTheBases() throws Exception {
    List<byte[]> inputs = new ArrayList<>(corpus("authorize-corpus.yaml"));
    ACCESS_BASES.forEach(base -> inputs.add(bytes(base)));
    for (byte[] input : inputs) {
      assertSameAccessReview(input);
    }
  }

  @Test
  void routeQuestionsOfTheHostileCorpusAndTheBases() throws Exception {
    List<byte[]> inputs = new ArrayList<>(corpus("route-check-corpus.yaml"));
    ROUTE_BASES.forEach(base -> inputs.add(bytes(base)));
    for (byte[] input : inputs) {
      assertSameRouteQuestions(input);
    }
  }

  @Test
  void accessReviewVariants() {
    int decoded = 0;
    for (String base : ACCESS_BASES) {
      for (byte[] variant : variants(base)) {
        decoded += assertSameAccessReview(variant) ? 1 : 0;
      }
    }
    // Both outcomes are exercised, not only refusals.
    assertThat(decoded).isGreaterThan(100);
  }

  @Test
  void routeQuestionVariants() {
    int decoded = 0;
    for (String base : ROUTE_BASES) {
      for (byte[] variant : variants(base)) {
        decoded += assertSameRouteQuestions(variant) ? 1 : 0;
      }
    }
    assertThat(decoded).isGreaterThan(100);
  }

  /**
   * Compact bodies take the copy (the differential tests hold it to the generator's bytes);
   * bodies the generator would rewrite do not.
   */
  @Test
  void compactBodiesAreEchoedAsTheyCame() {
    assertThat(AccessReviewAnswers.asWritten(bytes(ACCESS_BASES.get(0)))).isTrue();
    assertThat(AccessReviewAnswers.asWritten(bytes(ACCESS_BASES.get(2)))).isTrue();
    assertThat(AccessReviewAnswers.asWritten(bytes(ACCESS_BASES.get(1)))).as("status").isFalse();
    assertThat(AccessReviewAnswers.asWritten(bytes(ACCESS_BASES.get(3)))).as("numbers").isFalse();
    assertThat(AccessReviewAnswers.asWritten(bytes("{\"a\": \"b\"}"))).isFalse();
    assertThat(AccessReviewAnswers.asWritten(bytes("{\"a\":\"\\/\"}"))).isFalse();
    assertThat(AccessReviewAnswers.asWritten(bytes("{\"a\":\"\u00e9\"}"))).isFalse();
    assertThat(AccessReviewAnswers.asWritten(bytes("{\"a\":{\"status\":true}}"))).isTrue();
    assertThat(AccessReviewAnswers.asWritten(bytes("{}"))).isTrue();
  }

  @Test
  void batchesAtAndAroundTheirLimit() {
    String check = "{\"workspace\":\"team-a\",\"method\":\"GET\",\"path\":\"/x\"}";
    for (int size : new int[] {1, RouteQuestionCodec.MAX_BATCH, RouteQuestionCodec.MAX_BATCH + 1}) {
      List<String> checks = new ArrayList<>(java.util.Collections.nCopies(size, check));
      assertSameRouteQuestions(bytes("{\"checks\":[" + String.join(",", checks) + "]}"));
      // A bad entry before, at and after the limit: the count is refused first, as before.
      for (int bad : new int[] {0, size - 1}) {
        List<String> spoiled = new ArrayList<>(checks);
        spoiled.set(bad, "7");
        assertSameRouteQuestions(bytes("{\"checks\":[" + String.join(",", spoiled) + "]}"));
        spoiled.set(bad, "{\"method\":\"GET\"}");
        assertSameRouteQuestions(bytes("{\"checks\":[" + String.join(",", spoiled) + "]}"));
      }
    }
  }

  @Test
  void answersAreWrittenByteForByteAsTheTreeWroteThem() {
    RouteRule.Check experiments = new RouteRule.Check("experiments", "", "list", List.of(), false);
    RouteRule.Check use = new RouteRule.Check("gatewayendpoints", "use", "use", List.of(), false);
    List<CheckOutcome> outcomes = List.of(
        new CheckOutcome("experiments", "list", null, true, "RBAC \u00e9 \"q\"", null),
        new CheckOutcome("gatewayendpoints/use", "use", "ep/1", false, null, "API server down"),
        new CheckOutcome(null, null, null, false, null, null));
    List<Answer> answers = List.of(
        Answer.refused(400, "path must start with /"),
        Answer.refused(404, null),
        Answer.refused(429, "busy \u2028 \\ /"),
        Answer.open(),
        Answer.allowed(experiments, "allowed by RBAC", outcomes.subList(0, 1)),
        Answer.denied(use, "denied", true, outcomes),
        Answer.denied(null, null, false, List.of()),
        new Answer(200, null, new Answer.Verdict(true, experiments, "listed", false, List.of()),
            new WorkspaceListing.Listed(List.of("team-a", "t\u00e9am"), 3)),
        new Answer(200, null, new Answer.Verdict(false, null, null, false, List.of()),
            new WorkspaceListing.Listed(List.of(), 0)));
    for (Answer answer : answers) {
      assertThat(new String(ROUTES.encode(answer), StandardCharsets.UTF_8))
          .isEqualTo(new String(ROUTES_BEFORE.encode(answer), StandardCharsets.UTF_8));
    }
    assertThat(new String(ROUTES.encodeBatch(answers), StandardCharsets.UTF_8))
        .isEqualTo(new String(ROUTES_BEFORE.encodeBatch(answers), StandardCharsets.UTF_8));
    assertThat(new String(ROUTES.encodeBatch(List.of()), StandardCharsets.UTF_8))
        .isEqualTo(new String(ROUTES_BEFORE.encodeBatch(List.of()), StandardCharsets.UTF_8));
  }

  /** Random edits of random strength over the bases, beyond the systematic variants. */
  @Property(tries = 300)
  void randomEditsOfAccessReviews(@ForAll @IntRange(max = 3) int base,
      @ForAll @Size(max = 4) List<@IntRange(max = 100_000) Integer> edits) {
    assertSameAccessReview(edited(ACCESS_BASES.get(base), edits));
  }

  @Property(tries = 300)
  void randomEditsOfRouteQuestions(@ForAll @IntRange(max = 2) int base,
      @ForAll @Size(max = 4) List<@IntRange(max = 100_000) Integer> edits) {
    assertSameRouteQuestions(edited(ROUTE_BASES.get(base), edits));
  }

  /** Decodes with both; returns whether they read it (and then also compares the answers). */
  private static boolean assertSameAccessReview(byte[] input) {
    String shown = new String(input, StandardCharsets.UTF_8);
    String refusedBefore = null;
    LegacyAccessReviewCodec.Review before = null;
    try {
      before = ACCESS_BEFORE.decode(input);
    } catch (MalformedReviewException e) {
      refusedBefore = e.getMessage();
    }
    AccessReview after;
    try {
      after = ACCESS.decode(input);
    } catch (MalformedReviewException e) {
      assertThat(e.getMessage()).as("refusal of %s", shown).isEqualTo(refusedBefore);
      return false;
    }
    assertThat(refusedBefore).as("the tree codec refused %s", shown).isNull();
    assertThat(after.kind()).as(shown).isEqualTo(before.kind());
    assertThat(after.attributes()).as(shown).isEqualTo(before.attributes());
    assertThat(after.bodySubject()).as(shown).isEqualTo(before.bodySubject());
    for (AccessDecision decision : DECISIONS) {
      assertThat(new String(ACCESS.encode(after, decision), StandardCharsets.UTF_8))
          .as("answer to %s", shown)
          .isEqualTo(new String(ACCESS_BEFORE.encode(before, decision), StandardCharsets.UTF_8));
    }
    return true;
  }

  private static boolean assertSameRouteQuestions(byte[] input) {
    String shown = new String(input, StandardCharsets.UTF_8);
    String refusedBefore = null;
    RouteQuestionCodec.Decoded before = null;
    try {
      before = ROUTES_BEFORE.decode(input);
    } catch (MalformedReviewException e) {
      refusedBefore = e.getMessage();
    }
    RouteQuestionCodec.Decoded after;
    try {
      after = ROUTES.decode(input);
    } catch (MalformedReviewException e) {
      assertThat(e.getMessage()).as("refusal of %s", shown).isEqualTo(refusedBefore);
      return false;
    }
    assertThat(refusedBefore).as("the tree codec refused %s", shown).isNull();
    assertThat(after).as(shown).isEqualTo(before);
    return true;
  }

  /**
   * Variants of a base: each member removed, duplicated, or set to each of {@link #VALUES};
   * each array element likewise; every object's members reversed; pretty-printed; every prefix;
   * trailing content; escapes and bad UTF-8; huge numbers and deep nesting in unknown members.
   */
  static List<byte[]> variants(String base) {
    JsonNode tree = JSON.readTree(base);
    Set<String> texts = new LinkedHashSet<>();
    List<List<Object>> paths = new ArrayList<>();
    collect(tree, new ArrayList<>(), paths);
    for (List<Object> path : paths) {
      if (path.isEmpty()) {
        continue;
      }
      texts.add(write(tree, path, Edit.REMOVE, null));
      texts.add(write(tree, path, Edit.DUPLICATE, null));
      for (String value : VALUES) {
        texts.add(write(tree, path, Edit.REPLACE, value));
      }
      texts.add(write(tree, path, Edit.DUPLICATE_WITH, "\"other\""));
    }
    texts.add(write(tree, List.of(), Edit.REVERSE, null));
    texts.add(tree.toPrettyString());
    for (int i = 0; i <= base.length(); i++) {
      texts.add(base.substring(0, i));
    }
    for (String tail : List.of(" ", "\n", " {}", "x", "]", "}", ",", "null", "/* c */", "\u0000")) {
      texts.add(base + tail);
      texts.add(tail + base);
    }
    texts.add("[" + base + "]");
    texts.add(base.replace("\"apiVersion\"", "\"\\u0061piVersion\""));
    texts.add(base.replace("\"method\"", "\"\\u006dethod\""));
    texts.add(base.replace("team-a", "t\\u0065am-a"));
    texts.add(base.replace("/", "\\/"));
    String unknown = base.substring(0, base.length() - 1) + ",\"zz\":";
    texts.add(unknown + "1" + "2".repeat(1500) + "}");
    texts.add(unknown + "1." + "2".repeat(1500) + "}");
    texts.add(unknown + "1e99999}");
    texts.add(unknown + "[".repeat(1200) + "]".repeat(1200) + "}");
    texts.add(unknown + "{\"a\":1,\"a\":2}}");
    texts.add(unknown + "NaN}");
    texts.add(unknown + "'single'}");
    texts.add(unknown + "\"tab\there\"}");
    List<byte[]> inputs = new ArrayList<>();
    texts.forEach(text -> inputs.add(bytes(text)));
    // Bytes that are not UTF-8, in an unknown member and in one that is read.
    for (byte[] bad : List.of(new byte[] {(byte) 0xff}, new byte[] {(byte) 0xc3},
        new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, new byte[] {(byte) 0xc0, (byte) 0xaf})) {
      inputs.add(concat(bytes(unknown + "\"a"), bad, bytes("b\"}")));
      int quote = base.indexOf(":\"") + 2;
      inputs.add(concat(bytes(base.substring(0, quote)), bad, bytes(base.substring(quote))));
    }
    inputs.add(concat(new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf}, bytes(base)));
    inputs.add(new byte[0]);
    inputs.add(bytes("   "));
    return inputs;
  }

  private enum Edit { REMOVE, DUPLICATE, DUPLICATE_WITH, REPLACE, REVERSE }

  /** Random edits: each picks a member by number and what to do with it. */
  private static byte[] edited(String base, List<Integer> edits) {
    String text = base;
    for (int edit : edits) {
      JsonNode tree;
      try {
        tree = JSON.readTree(text);
      } catch (RuntimeException e) {
        break;
      }
      List<List<Object>> paths = new ArrayList<>();
      collect(tree, new ArrayList<>(), paths);
      List<Object> path = paths.get(edit % paths.size());
      int what = (edit / paths.size()) % (VALUES.size() + 3);
      if (path.isEmpty()) {
        continue;
      }
      text = what < VALUES.size() ? write(tree, path, Edit.REPLACE, VALUES.get(what))
          : write(tree, path, what == VALUES.size() ? Edit.REMOVE
              : what == VALUES.size() + 1 ? Edit.DUPLICATE : Edit.REVERSE, null);
    }
    return bytes(text);
  }

  private static void collect(JsonNode node, List<Object> at, List<List<Object>> paths) {
    paths.add(List.copyOf(at));
    if (node.isObject()) {
      for (Map.Entry<String, JsonNode> member : node.properties()) {
        at.add(member.getKey());
        collect(member.getValue(), at, paths);
        at.remove(at.size() - 1);
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        at.add(i);
        collect(node.get(i), at, paths);
        at.remove(at.size() - 1);
      }
    }
  }

  /** The tree as JSON text, with one edit at {@code target} (which JSON's trees cannot hold). */
  private static String write(JsonNode tree, List<Object> target, Edit edit, String value) {
    StringBuilder out = new StringBuilder();
    write(tree, new ArrayList<>(), target, edit, value, out);
    return out.toString();
  }

  private static void write(JsonNode node, List<Object> at, List<Object> target, Edit edit,
      String value, StringBuilder out) {
    if (edit == Edit.REPLACE && at.equals(target)) {
      out.append(value);
      return;
    }
    boolean parent = at.size() + 1 == target.size() && target.subList(0, at.size()).equals(at);
    if (node.isObject()) {
      List<Map.Entry<String, JsonNode>> members = new ArrayList<>(node.properties());
      if (edit == Edit.REVERSE) {
        java.util.Collections.reverse(members);
      }
      out.append('{');
      boolean first = true;
      for (Map.Entry<String, JsonNode> member : members) {
        boolean targeted = parent && member.getKey().equals(target.get(at.size()));
        if (targeted && edit == Edit.REMOVE) {
          continue;
        }
        int times = targeted && (edit == Edit.DUPLICATE || edit == Edit.DUPLICATE_WITH) ? 2 : 1;
        for (int i = 0; i < times; i++) {
          out.append(first ? "" : ",").append(JSON.writeValueAsString(member.getKey()))
              .append(':');
          first = false;
          at.add(member.getKey());
          if (i == 1 && edit == Edit.DUPLICATE_WITH) {
            out.append(value);
          } else {
            write(member.getValue(), at, target, edit, value, out);
          }
          at.remove(at.size() - 1);
        }
      }
      out.append('}');
    } else if (node.isArray()) {
      out.append('[');
      boolean first = true;
      for (int i = 0; i < node.size(); i++) {
        boolean targeted = parent && Integer.valueOf(i).equals(target.get(at.size()));
        if (targeted && edit == Edit.REMOVE) {
          continue;
        }
        int times = targeted && edit == Edit.DUPLICATE ? 2 : 1;
        for (int j = 0; j < times; j++) {
          out.append(first ? "" : ",");
          first = false;
          at.add(i);
          write(node.get(i), at, target, edit, value, out);
          at.remove(at.size() - 1);
        }
      }
      out.append(']');
    } else {
      out.append(JSON.writeValueAsString(node));
    }
  }

  static List<byte[]> corpus(String resource) throws Exception {
    List<byte[]> bodies = new ArrayList<>();
    try (InputStream in = CodecDifferentialTest.class.getResourceAsStream("/hostile/" + resource)) {
      for (JsonNode entry : YAMLMapper.builder().build().readTree(in)) {
        if (entry.has("bodyBase64")) {
          bodies.add(Base64.getDecoder().decode(entry.path("bodyBase64").asString()));
        } else if (entry.has("repeat")) {
          JsonNode repeat = entry.path("repeat");
          bodies.add(bytes(repeat.path("prefix").asString()
              + repeat.path("unit").asString().repeat(repeat.path("times").asInt())));
        } else {
          bodies.add(bytes(entry.path("body").asString()));
        }
      }
    }
    assertThat(bodies).hasSizeGreaterThan(30);
    return bodies;
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] concat(byte[]... parts) {
    int length = 0;
    for (byte[] part : parts) {
      length += part.length;
    }
    byte[] all = new byte[length];
    int at = 0;
    for (byte[] part : parts) {
      System.arraycopy(part, 0, all, at, part.length);
      at += part.length;
    }
    return all;
  }
}
