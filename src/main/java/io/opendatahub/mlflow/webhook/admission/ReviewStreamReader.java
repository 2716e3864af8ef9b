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
 * <p>It answers null for anything else it does not read whole (malformed JSON, a missing or
 * mistyped envelope field, trailing content): {@link ReviewTreeReader} then reads the body again
 * and says what is wrong, so a malformed review gets the message and status it always got. A
 * review past a reading limit gets its 413 here, as the tree reader words it.
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
    try (JsonParser json = streams.parser(body)) {
      return review(json);
    } catch (StreamConstraintsException e) {
      throw ReviewTreeReader.beyondLimits(e);
    } catch (RuntimeException e) {
      // NotRead, a JacksonException (malformed JSON, a limit, a duplicate key) or anything
      // unforeseen: the tree reader reads the body again and answers as the service always did.
      return null;
    }
  }

  private AdmissionReview review(JsonParser json) {
    expect(json.nextToken() == JsonToken.START_OBJECT);
    String apiVersion = null;
    String kind = null;
    AdmissionRequest request = null;
    for (String field = json.nextName(); field != null; field = json.nextName()) {
      JsonToken token = json.nextToken();
      switch (field) {
        case "apiVersion" -> apiVersion = string(json, token);
        case "kind" -> kind = string(json, token);
        case "request" -> {
          expect(token == JsonToken.START_OBJECT);
          request = request(json);
        }
        default -> skip(json, token);
      }
    }
    // What the tree reader refuses: trailing content, another version, another kind, no request.
    expect(json.nextToken() == null);
    expect(AdmissionReview.V1.equals(apiVersion) || AdmissionReview.V1BETA1.equals(apiVersion));
    expect("AdmissionReview".equals(kind));
    expect(request != null);
    return new AdmissionReview(apiVersion, request);
  }

  private AdmissionRequest request(JsonParser json) {
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
    for (String field = json.nextName(); field != null; field = json.nextName()) {
      JsonToken token = json.nextToken();
      switch (field) {
        case "uid" -> uid = string(json, token);
        case "kind" -> kind = groupVersionKind(json, token);
        case "subResource" -> subResource = string(json, token);
        case "name" -> name = string(json, token);
        case "namespace" -> namespace = string(json, token);
        case "operation" -> operation = operation(string(json, token));
        case "userInfo" -> userInfo = userInfo(json, token);
        case "object" -> object = objectOrNull(json, token);
        case "oldObject" -> oldObject = objectOrNull(json, token);
        case "dryRun" -> {
          expect(token == JsonToken.VALUE_TRUE || token == JsonToken.VALUE_FALSE
              || token == JsonToken.VALUE_NULL);
          dryRun = token == JsonToken.VALUE_TRUE;
        }
        default -> skip(json, token);
      }
    }
    expect(uid != null && !uid.isBlank() && kind != null && operation != null);
    return new AdmissionRequest(uid, kind, subResource, name, namespace, operation, userInfo,
        object, oldObject, dryRun);
  }

  private GroupVersionKind groupVersionKind(JsonParser json, JsonToken token) {
    expect(token == JsonToken.START_OBJECT);
    String group = null;
    String version = null;
    String kind = null;
    for (String field = json.nextName(); field != null; field = json.nextName()) {
      JsonToken value = json.nextToken();
      switch (field) {
        case "group" -> group = string(json, value);
        case "version" -> version = string(json, value);
        case "kind" -> kind = string(json, value);
        default -> skip(json, value);
      }
    }
    expect(version != null && !version.isEmpty() && kind != null && !kind.isEmpty());
    return new GroupVersionKind(group == null ? "" : group, version, kind);
  }

  private static Operation operation(String text) {
    expect(text != null);
    return switch (text) {
      case "CREATE" -> Operation.CREATE;
      case "UPDATE" -> Operation.UPDATE;
      case "DELETE" -> Operation.DELETE;
      case "CONNECT" -> Operation.CONNECT;
      default -> throw NotRead.INSTANCE;
    };
  }

  private AdmissionRequest.UserInfo userInfo(JsonParser json, JsonToken token) {
    if (token == JsonToken.VALUE_NULL) {
      return AdmissionRequest.UserInfo.ANONYMOUS;
    }
    expect(token == JsonToken.START_OBJECT);
    String username = null;
    List<String> groups = List.of();
    for (String field = json.nextName(); field != null; field = json.nextName()) {
      JsonToken value = json.nextToken();
      switch (field) {
        case "username" -> username = string(json, value);
        case "groups" -> groups = strings(json, value);
        default -> skip(json, value);
      }
    }
    return new AdmissionRequest.UserInfo(username, groups);
  }

  private static List<String> strings(JsonParser json, JsonToken token) {
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

  private JsonNode objectOrNull(JsonParser json, JsonToken token) {
    if (token == JsonToken.VALUE_NULL) {
      return null;
    }
    expect(token == JsonToken.START_OBJECT);
    ObjectNode object = nodes.objectNode();
    for (String field = json.nextName(); field != null; field = json.nextName()) {
      JsonToken value = json.nextToken();
      if (field.equals("status")) {
        skip(json, value);
      } else if (field.equals("metadata") && value == JsonToken.START_OBJECT) {
        object.set(field, metadata(json));
      } else {
        object.set(field, value(json, value));
      }
    }
    return object;
  }

  private ObjectNode metadata(JsonParser json) {
    ObjectNode metadata = nodes.objectNode();
    for (String field = json.nextName(); field != null; field = json.nextName()) {
      JsonToken value = json.nextToken();
      if (field.equals("managedFields")) {
        skip(json, value);
      } else {
        metadata.set(field, value(json, value));
      }
    }
    return metadata;
  }

  /** The node for the value at {@code token}, as {@code readTree} builds it. */
  private JsonNode value(JsonParser json, JsonToken token) {
    expect(token != null);
    return switch (token) {
      case START_OBJECT -> {
        ObjectNode object = nodes.objectNode();
        for (String field = json.nextName(); field != null; field = json.nextName()) {
          object.set(field, value(json, json.nextToken()));
        }
        yield object;
      }
      case START_ARRAY -> {
        ArrayNode array = nodes.arrayNode();
        for (JsonToken item = json.nextToken(); item != JsonToken.END_ARRAY;
            item = json.nextToken()) {
          array.add(value(json, item));
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
   * Reads past the value at {@code token} without building it. Strings are still decoded: the
   * parser checks a string's length only when it is decoded, and the tree decodes every one.
   */
  private static void skip(JsonParser json, JsonToken token) {
    int depth = 0;
    for (JsonToken at = token; ; at = json.nextToken()) {
      expect(at != null);
      switch (at) {
        case START_OBJECT, START_ARRAY -> depth++;
        case END_OBJECT, END_ARRAY -> depth--;
        case VALUE_STRING -> json.getString();
        default -> { }
      }
      if (depth == 0) {
        return;
      }
    }
  }

  /** The string at {@code token}, null for JSON null; anything else is not read here. */
  private static String string(JsonParser json, JsonToken token) {
    if (token == JsonToken.VALUE_NULL) {
      return null;
    }
    expect(token == JsonToken.VALUE_STRING);
    return json.getString();
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
