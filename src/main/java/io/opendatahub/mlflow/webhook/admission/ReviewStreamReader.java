package io.opendatahub.mlflow.webhook.admission;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads a well-formed review from the token stream: the envelope's fields straight into the
 * {@link AdmissionRequest}, trees only for {@code request.object} and {@code request.oldObject},
 * and those without what no rule, message or patch reads. A tree of the whole review cost a
 * fifth to a third of a bare TLS server's throughput in situ (issue 19).
 *
 * <p>Left out of the object trees: {@code metadata.managedFields}, which the API server adds to
 * every object (an entry per manager, often the larger part of a real review), and the top-level
 * {@code status}, which the operator writes and no rule judges. The mutate diff compares trees
 * read the same way, so its patch never names them, and every path it names is one the API
 * server's object has with the same value. Skipped values are still read token by token: they
 * count toward the codec's reading limits, their keys toward duplicate detection, their strings
 * toward the string length limit, exactly as in a tree.
 *
 * <p>Duplicate names are found by {@link DuplicateNames}, at the name where the parser's strict
 * detection finds them, instead of by the parser, whose detection allocated a set for every
 * object of three or more names: half the bytes of an API server's review's decode.
 *
 * <p>It answers null for anything else it does not read whole (malformed JSON, a duplicate
 * name, a missing or mistyped envelope field, trailing content): {@link ReviewTreeReader} then
 * reads the body again and says what is wrong, so a malformed review gets the message and status
 * it always got. A review past a reading limit gets its 413 here, as the tree reader words it.
 */
final class ReviewStreamReader {

  private final JsonStreams streams;
  private final JsonNodeFactory nodes;

  ReviewStreamReader(JsonStreams streams) {
    this.streams = streams;
    this.nodes = streams.mapper().getNodeFactory();
  }

  /**
   * The review, or null when the body is not one this reader takes whole.
   *
   * @throws MalformedReviewException past a reading limit: the tree reader would meet the same
   *     limit at the same token (skipped values are read as the tree reads them), so the body is
   *     not parsed a second time for the same 413; the hostile bodies are the large ones
   */
  AdmissionReview read(byte[] body) throws MalformedReviewException {
    if (body == null || body.length == 0) {
      return null;
    }
    // Without the parser's duplicate detection: Reading finds duplicates with DuplicateNames
    // and leaves such a body to the tree reader, whose parser refuses it in its words.
    try (JsonParser json = streams.parserFindingNoDuplicates(body)) {
      return new Reading(json).review();
    } catch (StreamConstraintsException e) {
      throw ReviewTreeReader.beyondLimits(e);
    } catch (RuntimeException e) {
      // NotRead, a JacksonException (malformed JSON, a limit, a duplicate key) or anything
      // unforeseen: the tree reader reads the body again and answers as the service always did.
      return null;
    }
  }

  /** One body's reading: its parser and the names of the objects open in it. */
  private final class Reading {

    private final JsonParser json;
    private final DuplicateNames names = new DuplicateNames();
    private final int maxStringLength;

    Reading(JsonParser json) {
      this.json = json;
      this.maxStringLength = json.streamReadConstraints().getMaxStringLength();
    }

    private AdmissionReview review() {
      expect(json.nextToken() == JsonToken.START_OBJECT);
      String apiVersion = null;
      String kind = null;
      AdmissionRequest request = null;
      for (String field = firstName(); field != null; field = nextName()) {
        JsonToken token = json.nextToken();
        switch (field) {
          case "apiVersion" -> apiVersion = string(token);
          case "kind" -> kind = string(token);
          case "request" -> {
            expect(token == JsonToken.START_OBJECT);
            request = request();
          }
          default -> skip(token);
        }
      }
      // What the tree reader refuses: trailing content, another version, another kind, no request.
      expect(json.nextToken() == null);
      expect(AdmissionReview.V1.equals(apiVersion) || AdmissionReview.V1BETA1.equals(apiVersion));
      expect("AdmissionReview".equals(kind));
      expect(request != null);
      return new AdmissionReview(apiVersion, request);
    }

    private AdmissionRequest request() {
      String uid = null;
      GroupVersionKind kind = null;
      String subResource = null;
      String name = null;
      String namespace = null;
      Operation operation = null;
      AdmissionRequest.UserInfo userInfo = AdmissionRequest.UserInfo.ANONYMOUS;
      JsonNode object = null;
      JsonNode oldObject = null;
      boolean dryRun = false;
      for (String field = firstName(); field != null; field = nextName()) {
        JsonToken token = json.nextToken();
        switch (field) {
          case "uid" -> uid = string(token);
          case "kind" -> kind = groupVersionKind(token);
          case "subResource" -> subResource = string(token);
          case "name" -> name = string(token);
          case "namespace" -> namespace = string(token);
          case "operation" -> operation = operation(string(token));
          case "userInfo" -> userInfo = userInfo(token);
          case "object" -> object = objectOrNull(token);
          case "oldObject" -> oldObject = objectOrNull(token);
          case "dryRun" -> {
            expect(token == JsonToken.VALUE_TRUE || token == JsonToken.VALUE_FALSE
                || token == JsonToken.VALUE_NULL);
            dryRun = token == JsonToken.VALUE_TRUE;
          }
          default -> skip(token);
        }
      }
      expect(uid != null && !uid.isBlank() && kind != null && operation != null);
      return new AdmissionRequest(uid, kind, subResource, name, namespace, operation, userInfo,
          object, oldObject, dryRun);
    }

    private GroupVersionKind groupVersionKind(JsonToken token) {
      expect(token == JsonToken.START_OBJECT);
      String group = null;
      String version = null;
      String kind = null;
      for (String field = firstName(); field != null; field = nextName()) {
        JsonToken value = json.nextToken();
        switch (field) {
          case "group" -> group = string(value);
          case "version" -> version = string(value);
          case "kind" -> kind = string(value);
          default -> skip(value);
        }
      }
      expect(version != null && !version.isEmpty() && kind != null && !kind.isEmpty());
      return new GroupVersionKind(group == null ? "" : group, version, kind);
    }

    private Operation operation(String text) {
      expect(text != null);
      return switch (text) {
        case "CREATE" -> Operation.CREATE;
        case "UPDATE" -> Operation.UPDATE;
        case "DELETE" -> Operation.DELETE;
        case "CONNECT" -> Operation.CONNECT;
        default -> throw NotRead.INSTANCE;
      };
    }

    private AdmissionRequest.UserInfo userInfo(JsonToken token) {
      if (token == JsonToken.VALUE_NULL) {
        return AdmissionRequest.UserInfo.ANONYMOUS;
      }
      expect(token == JsonToken.START_OBJECT);
      String username = null;
      List<String> groups = List.of();
      for (String field = firstName(); field != null; field = nextName()) {
        JsonToken value = json.nextToken();
        switch (field) {
          case "username" -> username = string(value);
          case "groups" -> groups = strings(value);
          default -> skip(value);
        }
      }
      return new AdmissionRequest.UserInfo(username, groups);
    }

    private List<String> strings(JsonToken token) {
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

    private JsonNode objectOrNull(JsonToken token) {
      if (token == JsonToken.VALUE_NULL) {
        return null;
      }
      expect(token == JsonToken.START_OBJECT);
      ObjectNode object = nodes.objectNode();
      for (String field = firstName(); field != null; field = nextName()) {
        JsonToken value = json.nextToken();
        if (field.equals("status")) {
          skip(value);
        } else if (field.equals("metadata") && value == JsonToken.START_OBJECT) {
          object.set(field, metadata());
        } else {
          object.set(field, value(value));
        }
      }
      return object;
    }

    private ObjectNode metadata() {
      ObjectNode metadata = nodes.objectNode();
      for (String field = firstName(); field != null; field = nextName()) {
        JsonToken value = json.nextToken();
        if (field.equals("managedFields")) {
          skip(value);
        } else {
          metadata.set(field, value(value));
        }
      }
      return metadata;
    }

    /** The node for the value at {@code token}, as {@code readTree} builds it. */
    private JsonNode value(JsonToken token) {
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
    private void skip(JsonToken token) {
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
     * with the parser's own message, as when the tree read it.
     */
    private void skipString() {
      if (json.getStringLength() > maxStringLength) {
        json.getString();
      }
    }

    /** The first name of the object whose START_OBJECT was just read, null if it has none. */
    private String firstName() {
      names.open();
      return nextName();
    }

    /** The next name of the object being read, null at its end; a duplicate is not read here. */
    private String nextName() {
      String name = json.nextName();
      if (name == null) {
        names.close();
      } else {
        expect(names.add(name));
      }
      return name;
    }

    /** The string at {@code token}, null for JSON null; anything else is not read here. */
    private String string(JsonToken token) {
      if (token == JsonToken.VALUE_NULL) {
        return null;
      }
      expect(token == JsonToken.VALUE_STRING);
      return json.getString();
    }
  }

  private static void expect(boolean condition) {
    if (!condition) {
      throw NotRead.INSTANCE;
    }
  }

  /** Not a review this reader takes whole; thrown without a stack trace, caught in read. */
  private static final class NotRead extends RuntimeException {
    static final NotRead INSTANCE = new NotRead();

    private NotRead() {
      super("not read by the stream reader", null, false, false);
    }
  }
}
