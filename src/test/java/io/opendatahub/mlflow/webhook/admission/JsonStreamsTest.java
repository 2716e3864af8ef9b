package io.opendatahub.mlflow.webhook.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Each thread writes its answers with one generator it keeps (issue 19): every answer must still
 * be exactly the document a new generator writes, whatever the thread wrote before, alongside or
 * failed to finish.
 */
class JsonStreamsTest {

  private static final JsonMapper PLAIN = JsonMapper.builder().build();

  private final JsonStreams streams = JsonStreams.withDefaultLimits();

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private byte[] answer(String uid) {
    return streams.write(json -> {
      json.writeStartObject();
      json.writeStringProperty("uid", uid);
      json.writeBooleanProperty("allowed", true);
      json.writeEndObject();
    });
  }

  private static String expected(String uid) {
    ObjectNode node = PLAIN.createObjectNode().put("uid", uid).put("allowed", true);
    return text(PLAIN.writeValueAsBytes(node));
  }

  @Test
  void answersWrittenOneAfterAnotherAreEachTheirOwnDocument() {
    // Jackson writes a space between root values of one generator unless told otherwise.
    for (int i = 0; i < 5; i++) {
      assertThat(text(answer("u" + i))).isEqualTo(expected("u" + i));
    }
  }

  @Test
  void aDocumentLeftOpenIsRefusedAndTheNextIsWhole() {
    answer("before");
    assertThatThrownBy(() -> streams.write(json -> {
      json.writeStartObject();
      json.writeStringProperty("uid", "open");
    })).isInstanceOf(IllegalStateException.class);
    assertThat(text(answer("after"))).isEqualTo(expected("after"));
  }

  @Test
  void twoValuesOrNoneAreRefused() {
    assertThatThrownBy(() -> streams.write(json -> {
      json.writeStartObject();
      json.writeEndObject();
      json.writeStartArray();
      json.writeEndArray();
    })).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> streams.write(json -> { }))
        .isInstanceOf(IllegalStateException.class);
    assertThat(text(answer("after"))).isEqualTo(expected("after"));
  }

  @Test
  void aDocumentThatFailsHalfwayLeavesTheNextWhole() {
    assertThatThrownBy(() -> streams.write(json -> {
      json.writeStartObject();
      json.writeStringProperty("uid", "half");
      throw new IllegalArgumentException("the answer cannot be finished");
    })).isInstanceOf(IllegalArgumentException.class);
    assertThat(text(answer("after"))).isEqualTo(expected("after"));
  }

  @Test
  void aDocumentWrittenWhileAnotherIsWrittenIsItsOwn() {
    List<byte[]> inner = new ArrayList<>();
    byte[] outer = streams.write(json -> {
      json.writeStartObject();
      json.writeStringProperty("uid", "outer");
      inner.add(answer("inner"));
      json.writeBooleanProperty("allowed", true);
      json.writeEndObject();
    });
    assertThat(text(outer)).isEqualTo(expected("outer"));
    assertThat(text(inner.get(0))).isEqualTo(expected("inner"));
  }

  @Test
  void documentsLargerThanTheGeneratorsBufferAreWhole() {
    // The generator flushes every 8,000 bytes: a batch of route answers can be far larger.
    for (int size : new int[] {7_990, 8_000, 8_010, 100_000}) {
      String uid = "x".repeat(size);
      assertThat(text(answer(uid))).as("uid of %d", size).isEqualTo(expected(uid));
      assertThat(text(answer("small"))).isEqualTo(expected("small"));
    }
  }

  @Test
  void treesAreWrittenAsTheMapperWritesThemAndOneAfterAnother() {
    // A patch is written as a tree through the thread's generator, no longer by the mapper.
    ObjectNode tree = PLAIN.createObjectNode();
    tree.put("text", "quote \" backslash \\ line\n tab\t nul\u0000 é ☃ \uD83D\uDE00");
    tree.put("long", Long.MIN_VALUE).put("double", 0.1).put("big", new BigDecimal("1E+400"))
        .put("huge", new BigInteger("123456789012345678901234567890")).put("yes", true);
    tree.putNull("null");
    tree.putArray("list").add(1).add("two").addObject().putArray("empty");
    tree.putObject("a/b~c").put("", "");
    String expected = text(PLAIN.writeValueAsBytes(tree));
    for (int i = 0; i < 3; i++) {
      assertThat(text(streams.write(json -> json.writeTree(tree)))).isEqualTo(expected);
      assertThat(text(answer("u" + i))).isEqualTo(expected("u" + i));
    }
    assertThat(text(streams.write(json -> json.writeTree(PLAIN.createArrayNode()))))
        .isEqualTo("[]");
  }

  @Test
  void threadsWritingAtOnceEachGetTheirOwnAnswers() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int thread = t;
        results.add(pool.submit(() -> {
          for (int i = 0; i < 2_000; i++) {
            String uid = thread + "-" + i;
            if (!text(answer(uid)).equals(expected(uid))) {
              return false;
            }
          }
          return true;
        }));
      }
      for (Future<Boolean> result : results) {
        assertThat(result.get(60, TimeUnit.SECONDS)).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void parsersAndTheMapperKeepTheLimitsAndRefuseDuplicateKeys() {
    JsonStreams limited = new JsonStreams(StreamReadConstraints.builder().maxNestingDepth(3)
        .build());
    byte[] deep = "[[[[]]]]".getBytes(StandardCharsets.UTF_8);
    byte[] duplicated = "{\"a\":1,\"a\":2}".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> readAll(limited.parser(deep)))
        .isInstanceOf(StreamConstraintsException.class);
    assertThatThrownBy(() -> limited.mapper().readTree(deep))
        .isInstanceOf(StreamConstraintsException.class);
    assertThatThrownBy(() -> readAll(limited.parser(duplicated)))
        .isInstanceOf(JacksonException.class).hasMessageContaining("Duplicate");
    assertThatThrownBy(() -> readAll(limited.mapper().createParser(duplicated)))
        .isInstanceOf(JacksonException.class).hasMessageContaining("Duplicate");
    assertThatThrownBy(() -> limited.mapper().readTree(duplicated))
        .isInstanceOf(JacksonException.class).hasMessageContaining("Duplicate");
  }

  /**
   * The review reader's parser leaves duplicate names to DuplicateNames (the parser's sets were
   * most of a large review's allocation), but keeps every reading limit.
   */
  @Test
  void theParserFindingNoDuplicatesKeepsTheLimits() {
    JsonStreams limited = new JsonStreams(StreamReadConstraints.builder().maxNestingDepth(3)
        .build());
    byte[] duplicated = "{\"a\":1,\"a\":2}".getBytes(StandardCharsets.UTF_8);
    readAll(limited.parserFindingNoDuplicates(duplicated));
    assertThatThrownBy(() -> readAll(limited.parserFindingNoDuplicates(
        "[[[[]]]]".getBytes(StandardCharsets.UTF_8))))
        .isInstanceOf(StreamConstraintsException.class);
    assertThatThrownBy(() -> readAll(limited.parser(duplicated)))
        .isInstanceOf(JacksonException.class).hasMessageContaining("Duplicate");
  }

  /**
   * Every reader's names are the interned strings, so a name equal to one of the readers' and
   * rules' constants is that very constant: their comparisons end at the identity check. Names
   * built at run time, and names first seen in this body, come back interned too.
   */
  @Test
  void namesAreTheInternedStrings() {
    String unseen = "name-" + System.nanoTime();
    byte[] body = ("{\"apiVersion\":1,\"spec\":{\"" + unseen + "\":2}}")
        .getBytes(StandardCharsets.UTF_8);
    for (JsonParser parser : List.of(streams.parser(body),
        streams.parserFindingNoDuplicates(body), streams.mapper().createParser(body))) {
      List<String> names = new ArrayList<>();
      try (parser) {
        for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
          if (token == JsonToken.PROPERTY_NAME) {
            names.add(parser.currentName());
          }
        }
      }
      assertThat(names).hasSize(3);
      assertThat(names.get(0)).isSameAs("apiVersion");
      assertThat(names.get(1)).isSameAs("spec");
      assertThat(names.get(2)).isEqualTo(unseen).isSameAs(unseen.intern());
    }
    ObjectNode tree = (ObjectNode) streams.mapper().readTree(body);
    assertThat(tree.propertyNames()).first().isSameAs("apiVersion");
  }

  private static void readAll(JsonParser parser) {
    try (parser) {
      while (parser.nextToken() != null) {
        // every token, so that every check runs
      }
    }
  }
}
