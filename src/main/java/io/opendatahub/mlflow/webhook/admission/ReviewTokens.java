package io.opendatahub.mlflow.webhook.admission;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * One body's token stream as {@link ReviewStreamReader} walks it: every name is checked for
 * duplicates ({@link DuplicateNames}, at the name where the parser's strict detection finds
 * them), every skipped value is read token by token so that it counts toward the reading limits
 * as in a tree, and whatever this walk does not take is thrown as {@link NotRead}, for the tree
 * reader to read again and word.
 */
final class ReviewTokens {

  private final JsonParser json;
  private final JsonNodeFactory nodes;
  private final DuplicateNames names;
  private final int maxStringLength;

  /** Reads {@code json}, finding duplicate names with {@code names}, which it must have reset. */
  ReviewTokens(JsonParser json, JsonNodeFactory nodes, DuplicateNames names) {
    this.json = json;
    this.nodes = nodes;
    this.names = names;
    this.maxStringLength = json.streamReadConstraints().getMaxStringLength();
  }

  /** The next token, null past the end of the body. */
  JsonToken next() {
    return json.nextToken();
  }

  /** The first name of the object whose START_OBJECT was just read, null if it has none. */
  String firstName() {
    names.open();
    return nextName();
  }

  /** The next name of the object being read, null at its end; a duplicate is not read here. */
  String nextName() {
    String name = json.nextName();
    if (name == null) {
      names.close();
    } else {
      expect(names.add(name));
    }
    return name;
  }

  /** The string at {@code token}, null for JSON null; anything else is not read here. */
  String string(JsonToken token) {
    if (token == JsonToken.VALUE_NULL) {
      return null;
    }
    expect(token == JsonToken.VALUE_STRING);
    return json.getString();
  }

  /** The strings of the array at {@code token}, empty for JSON null. */
  List<String> strings(JsonToken token) {
    if (token == JsonToken.VALUE_NULL) {
      return List.of();
    }
    expect(token == JsonToken.START_ARRAY);
    List<String> values = new ArrayList<>();
    for (JsonToken value = json.nextToken(); value != JsonToken.END_ARRAY;
        value = json.nextToken()) {
      expect(value == JsonToken.VALUE_STRING);
      values.add(json.getString());
    }
    return values;
  }

  /** A new, empty object node, to be filled by the caller from this stream. */
  ObjectNode objectNode() {
    return nodes.objectNode();
  }

  /** The node for the value at {@code token}, as {@code readTree} builds it. */
  JsonNode value(JsonToken token) {
    expect(token != null);
    return switch (token) {
      case START_OBJECT -> {
        ObjectNode object = nodes.objectNode();
        for (String field = firstName(); field != null; field = nextName()) {
          object.set(field, value(json.nextToken()));
        }
        yield object;
      }
      case START_ARRAY -> {
        ArrayNode array = nodes.arrayNode();
        for (JsonToken item = json.nextToken(); item != JsonToken.END_ARRAY;
            item = json.nextToken()) {
          array.add(value(item));
        }
        yield array;
      }
      case VALUE_STRING -> nodes.stringNode(json.getString());
      case VALUE_NUMBER_INT -> switch (json.getNumberType()) {
        case INT -> nodes.numberNode(json.getIntValue());
        case LONG -> nodes.numberNode(json.getLongValue());
        default -> nodes.numberNode(json.getBigIntegerValue());
      };
      case VALUE_NUMBER_FLOAT -> nodes.numberNode(json.getDoubleValue());
      case VALUE_TRUE -> nodes.booleanNode(true);
      case VALUE_FALSE -> nodes.booleanNode(false);
      case VALUE_NULL -> nodes.nullNode();
      default -> throw NotRead.INSTANCE;
    };
  }

  /**
   * Reads past the value at {@code token} without building it, token by token: every token
   * counts toward the reading limits and every name is checked for duplicates, as in a tree.
   */
  void skip(JsonToken token) {
    int depth = 0;
    for (JsonToken at = token; ; at = json.nextToken()) {
      expect(at != null);
      switch (at) {
        case START_OBJECT -> {
          depth++;
          names.open();
        }
        case START_ARRAY -> depth++;
        case END_OBJECT -> {
          depth--;
          names.close();
        }
        case END_ARRAY -> depth--;
        case PROPERTY_NAME -> expect(names.add(json.currentName()));
        case VALUE_STRING -> skipString();
        default -> { }
      }
      if (depth == 0) {
        return;
      }
    }
  }

  /**
   * Decodes the string at the current token without making a {@code String} of it, unless it
   * is longer than the limit: the parser checks a string's whole length only when it makes
   * the {@code String} (or a {@code char[]} of a long one), so that one is made, and refused
   * with the parser's own message, as when the tree read it. Not left to the parser to skip
   * unread, even where the body is too short to hold a string past the limit: the parser checks
   * less when it skips a string than when it decodes one (jackson-core 3.2 refuses a surrogate
   * encoded in UTF-8 only when decoding), so a body the tree refuses would be read; and skipping
   * saved nothing measurable on an API server's review (issue 19, BENCHMARKS.md).
   */
  private void skipString() {
    if (json.getStringLength() > maxStringLength) {
      json.getString();
    }
  }

  static void expect(boolean condition) {
    if (!condition) {
      throw NotRead.INSTANCE;
    }
  }

  /** Not a review the stream reader takes whole; thrown without a stack trace. */
  static final class NotRead extends RuntimeException {
    static final NotRead INSTANCE = new NotRead();

    private NotRead() {
      super("not read by the stream reader", null, false, false);
    }
  }
}
