package io.opendatahub.mlflow.webhook.admission;

import static io.opendatahub.mlflow.webhook.admission.ReviewTokens.expect;

import java.util.List;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.databind.JsonNode;
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
 * <p>Walking the tokens (duplicate names, skipping, building nodes) is {@link ReviewTokens}'s job;
 * this class knows the review's shape. Duplicate names are found there instead of by the parser,
 * whose detection allocated a set for every object of three or more names: half the bytes of an
 * API server's review's decode.
 *
 * <p>It answers null for anything else it does not read whole (malformed JSON, a duplicate
 * name, a missing or mistyped envelope field, trailing content): {@link ReviewTreeReader} then
 * reads the body again and says what is wrong, so a malformed review gets the message and status
 * it always got. A review past a reading limit gets its 413 here, as the tree reader words it.
 */
final class ReviewStreamReader {

  private final JsonStreams streams;
  private final JsonNodeFactory nodes;
  /**
   * Each thread's duplicate finder, reset for every body: its stacks were a tenth of the bytes
   * a review's decode allocated (issue 19). Reading runs on the thread that called, start to end.
   */
  private final ThreadLocal<DuplicateNames> duplicateNames =
      ThreadLocal.withInitial(DuplicateNames::new);

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
    // Without the parser's duplicate detection: ReviewTokens finds duplicates
    // and leaves such a body to the tree reader, whose parser refuses it in its words.
    try (JsonParser json = streams.parserFindingNoDuplicates(body)) {
      DuplicateNames names = duplicateNames.get().reset();
      return new Reading(new ReviewTokens(json, nodes, names)).review();
    } catch (StreamConstraintsException e) {
      throw ReviewTreeReader.beyondLimits(e);
    } catch (RuntimeException e) {
      // NotRead, a JacksonException (malformed JSON, a limit, a duplicate key) or anything
      // unforeseen: the tree reader reads the body again and answers as the service always did.
      return null;
    }
  }

  /** One body's reading: the envelope's fields and the two object trees. */
  private static final class Reading {

    private final ReviewTokens tokens;

    Reading(ReviewTokens tokens) {
      this.tokens = tokens;
    }

    private AdmissionReview review() {
      expect(tokens.next() == JsonToken.START_OBJECT);
      String apiVersion = null;
      String kind = null;
      AdmissionRequest request = null;
      for (String field = tokens.firstName(); field != null; field = tokens.nextName()) {
        JsonToken token = tokens.next();
        switch (field) {
          case "apiVersion" -> apiVersion = tokens.string(token);
          case "kind" -> kind = tokens.string(token);
          case "request" -> {
            expect(token == JsonToken.START_OBJECT);
            request = request();
          }
          default -> tokens.skip(token);
        }
      }
      // What the tree reader refuses: trailing content, another version, another kind, no request.
      expect(tokens.next() == null);
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
      for (String field = tokens.firstName(); field != null; field = tokens.nextName()) {
        JsonToken token = tokens.next();
        switch (field) {
          case "uid" -> uid = tokens.string(token);
          case "kind" -> kind = groupVersionKind(token);
          case "subResource" -> subResource = tokens.string(token);
          case "name" -> name = tokens.string(token);
          case "namespace" -> namespace = tokens.string(token);
          case "operation" -> operation = operation(tokens.string(token));
          case "userInfo" -> userInfo = userInfo(token);
          case "object" -> object = objectOrNull(token);
          case "oldObject" -> oldObject = objectOrNull(token);
          case "dryRun" -> {
            expect(token == JsonToken.VALUE_TRUE || token == JsonToken.VALUE_FALSE
                || token == JsonToken.VALUE_NULL);
            dryRun = token == JsonToken.VALUE_TRUE;
          }
          default -> tokens.skip(token);
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
      for (String field = tokens.firstName(); field != null; field = tokens.nextName()) {
        JsonToken value = tokens.next();
        switch (field) {
          case "group" -> group = tokens.string(value);
          case "version" -> version = tokens.string(value);
          case "kind" -> kind = tokens.string(value);
          default -> tokens.skip(value);
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
        default -> throw ReviewTokens.NotRead.INSTANCE;
      };
    }

    private AdmissionRequest.UserInfo userInfo(JsonToken token) {
      if (token == JsonToken.VALUE_NULL) {
        return AdmissionRequest.UserInfo.ANONYMOUS;
      }
      expect(token == JsonToken.START_OBJECT);
      String username = null;
      List<String> groups = List.of();
      for (String field = tokens.firstName(); field != null; field = tokens.nextName()) {
        JsonToken value = tokens.next();
        switch (field) {
          case "username" -> username = tokens.string(value);
          case "groups" -> groups = tokens.strings(value);
          default -> tokens.skip(value);
        }
      }
      return new AdmissionRequest.UserInfo(username, groups);
    }

    private JsonNode objectOrNull(JsonToken token) {
      if (token == JsonToken.VALUE_NULL) {
        return null;
      }
      expect(token == JsonToken.START_OBJECT);
      ObjectNode object = tokens.objectNode();
      for (String field = tokens.firstName(); field != null; field = tokens.nextName()) {
        JsonToken value = tokens.next();
        if (field.equals("status")) {
          tokens.skip(value);
        } else if (field.equals("metadata") && value == JsonToken.START_OBJECT) {
          object.set(field, metadata());
        } else {
          object.set(field, tokens.value(value));
        }
      }
      return object;
    }

    private ObjectNode metadata() {
      ObjectNode metadata = tokens.objectNode();
      for (String field = tokens.firstName(); field != null; field = tokens.nextName()) {
        JsonToken value = tokens.next();
        if (field.equals("managedFields")) {
          tokens.skip(value);
        } else {
          metadata.set(field, tokens.value(value));
        }
      }
      return metadata;
    }
  }
}
