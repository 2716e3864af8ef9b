package io.opendatahub.mlflow.webhook.admission;

import java.util.List;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonPointer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * One JSON Patch (RFC 6902) operation on the object as the API server sent it. A defaulter says
 * what it adds with these instead of building a changed copy for a diff: the copy and the diff
 * were most of a patched review's own CPU. Paths are Jackson {@link JsonPointer}s, so a key is
 * escaped for RFC 6901 ({@code ~} as {@code ~0}, {@code /} as {@code ~1}) in one place:
 * {@link JsonPointer#appendProperty}, or {@link JsonPointer#compile} of an escaped constant.
 *
 * @param value a node the operation owns: it is written into the answer, and applied as is
 */
public record PatchOp(Op op, JsonPointer path, JsonNode value) {

  /** The operations a defaulter needs: it only ever sets what is missing. */
  public enum Op {
    ADD("add"),
    REPLACE("replace");

    private final String text;

    Op(String text) {
      this.text = text;
    }
  }

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /**
   * Sets the member of {@code parent} that {@code path} ends in: {@code replace} when the
   * member is there (null counts: the API server keeps an explicit null), {@code add} when it
   * is not. The API server's {@code add} fails when {@code parent} itself is missing, so a
   * caller whose parent is absent sets the parent instead, with the member inside it.
   */
  public static PatchOp set(JsonNode parent, JsonPointer path, JsonNode value) {
    String name = path.last().getMatchingProperty();
    return new PatchOp(parent.has(name) ? Op.REPLACE : Op.ADD, path, value);
  }

  /** Inserts {@code value} into an array at the index {@code path} ends in. */
  public static PatchOp insert(JsonPointer path, JsonNode value) {
    return new PatchOp(Op.ADD, path, value);
  }

  /**
   * Writes the JSON Patch document of {@code ops} to {@code json}: the bytes {@link #document}
   * gives as a tree, without making the tree (an array, then an object and two strings per
   * operation), 0.4 KB of a patched review's 5.2 KB per answer (issue 19, BENCHMARKS.md).
   */
  public static void write(JsonGenerator json, List<PatchOp> ops) {
    json.writeStartArray();
    for (PatchOp op : ops) {
      json.writeStartObject();
      json.writeStringProperty("op", op.op().text);
      json.writeStringProperty("path", op.path().toString());
      json.writeName("value");
      json.writeTree(op.value());
      json.writeEndObject();
    }
    json.writeEndArray();
  }

  /** The JSON Patch document of {@code ops}, in their order, as the answer carries it. */
  public static ArrayNode document(List<PatchOp> ops) {
    ArrayNode document = NODES.arrayNode(ops.size());
    for (PatchOp op : ops) {
      ObjectNode json = document.addObject();
      json.put("op", op.op().text);
      json.put("path", op.path().toString());
      json.set("value", op.value());
    }
    return document;
  }
}
