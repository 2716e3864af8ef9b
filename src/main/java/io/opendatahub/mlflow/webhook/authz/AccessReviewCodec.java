package io.opendatahub.mlflow.webhook.authz;

import io.opendatahub.mlflow.webhook.admission.JsonFields;
import io.opendatahub.mlflow.webhook.admission.JsonStreams;
import io.opendatahub.mlflow.webhook.admission.MalformedReviewException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;

/**
 * Reads {@code authorization.k8s.io/v1} access reviews and writes the same object back with its
 * status, so a client that speaks SelfSubjectAccessReview to the API server can speak it here.
 */
public final class AccessReviewCodec {

  public static final String API_VERSION = "authorization.k8s.io/v1";
  private static final int MAX_SUBJECT_FIELD = 1024;
  private static final String EXPECTED = "a SelfSubjectAccessReview or a SubjectAccessReview";

  private final JsonStreams streams = JsonStreams.withDefaultLimits();
  private final AccessReviewAnswers answers = new AccessReviewAnswers(streams);

  public AccessReview decode(byte[] body) throws MalformedReviewException {
    if (body == null || body.length == 0) {
      throw new MalformedReviewException("the body is empty: send " + EXPECTED);
    }
    Read read = new Read();
    // The mapper's parser: spec.groups and spec.extra are read as trees.
    try (JsonParser parser = streams.mapper().createParser(body)) {
      JsonToken first = parser.nextToken();
      if (first == JsonToken.START_OBJECT) {
        read.root(parser);
      } else if (first != null) {
        StreamedJson.skip(parser);
      }
      read.object = first == JsonToken.START_OBJECT;
      StreamedJson.end(parser);
    } catch (JacksonException e) {
      throw new MalformedReviewException("the body is not valid JSON");
    }
    if (!read.object) {
      throw new MalformedReviewException("the body must be a JSON object: " + EXPECTED);
    }
    // The checks in the order (and with the messages) they had when they read a tree.
    if (!API_VERSION.equals(read.root.get(API_VERSION_FIELD, "apiVersion"))) {
      throw new MalformedReviewException("apiVersion must be " + API_VERSION);
    }
    String kindText = read.root.get(KIND_FIELD, "kind");
    AccessReview.Kind kind = null;
    for (AccessReview.Kind candidate : AccessReview.Kind.values()) {
      if (candidate.wireName.equals(kindText)) {
        kind = candidate;
      }
    }
    if (kind == null) {
      throw new MalformedReviewException("kind must be SelfSubjectAccessReview or"
          + " SubjectAccessReview");
    }
    if (!read.spec) {
      throw new MalformedReviewException("spec is missing");
    }
    boolean hasResource = read.resource != Member.ABSENT;
    if (hasResource == read.nonResource) {
      throw new MalformedReviewException("spec must have exactly one of resourceAttributes and"
          + " nonResourceAttributes");
    }
    ResourceAttributes attributes = null;
    if (hasResource) {
      if (read.resource != Member.OBJECT) {
        throw new MalformedReviewException("spec.resourceAttributes must be an object");
      }
      attributes = checked(read.attributes.get(0, "namespace"), read.attributes.get(1, "verb"),
          read.attributes.get(2, "group"), read.attributes.get(3, "version"),
          read.attributes.get(4, "resource"), read.attributes.get(5, "subresource"),
          read.attributes.get(6, "name"));
    }
    Identity subject = kind == AccessReview.Kind.SUBJECT_ACCESS_REVIEW
        ? subject(read.subject, read.groups, read.extra) : null;
    return new AccessReview(kind, attributes, subject, body);
  }

  /** How a member that must be an object was found. */
  private enum Member { ABSENT, OBJECT, OTHER }

  private static final int API_VERSION_FIELD = 0;
  private static final int KIND_FIELD = 1;
  private static final int SUBJECT_USER = 0;
  private static final int SUBJECT_UID = 1;
  private static final String[] ATTRIBUTE_NAMES =
      {"namespace", "verb", "group", "version", "resource", "subresource", "name"};

  /**
   * What one pass over the body found: the root's strings, whether spec was an object, how its
   * resourceAttributes were found and their strings, the named subject's parts.
   */
  private static final class Read {
    boolean object;
    final StreamedJson.Strings root = new StreamedJson.Strings(2);
    boolean spec;
    Member resource = Member.ABSENT;
    boolean nonResource;
    final StreamedJson.Strings attributes = new StreamedJson.Strings(ATTRIBUTE_NAMES.length);
    final StreamedJson.Strings subject = new StreamedJson.Strings(2);
    JsonNode groups;
    JsonNode extra;

    /** The parser is at the root's START_OBJECT; leaves it at its END_OBJECT. */
    void root(JsonParser parser) {
      String name;
      while ((name = parser.nextName()) != null) {
        JsonToken value = parser.nextToken();
        switch (name) {
          case "apiVersion" -> root.read(API_VERSION_FIELD, parser);
          case "kind" -> root.read(KIND_FIELD, parser);
          case "spec" -> {
            spec = value == JsonToken.START_OBJECT;
            if (spec) {
              spec(parser);
            } else {
              StreamedJson.skip(parser);
            }
          }
          default -> StreamedJson.skip(parser);
        }
      }
    }

    private void spec(JsonParser parser) {
      String name;
      while ((name = parser.nextName()) != null) {
        JsonToken value = parser.nextToken();
        switch (name) {
          case "resourceAttributes" -> {
            if (value == JsonToken.START_OBJECT) {
              resource = Member.OBJECT;
              members(parser, attributes);
            } else {
              resource = value == JsonToken.VALUE_NULL ? Member.ABSENT : Member.OTHER;
              StreamedJson.skip(parser);
            }
          }
          case "nonResourceAttributes" -> {
            nonResource = value != JsonToken.VALUE_NULL;
            StreamedJson.skip(parser);
          }
          case "user" -> subject.read(SUBJECT_USER, parser);
          case "uid" -> subject.read(SUBJECT_UID, parser);
          case "groups" -> groups = parser.readValueAsTree();
          case "extra" -> extra = parser.readValueAsTree();
          default -> StreamedJson.skip(parser);
        }
      }
    }
  }

  /** The parser is at an object's START_OBJECT; reads its attribute strings. */
  private static void members(JsonParser parser, StreamedJson.Strings into) {
    String name;
    while ((name = parser.nextName()) != null) {
      parser.nextToken();
      int index = attributeIndex(name);
      if (index >= 0) {
        into.read(index, parser);
      } else {
        StreamedJson.skip(parser);
      }
    }
  }

  private static int attributeIndex(String name) {
    for (int i = 0; i < ATTRIBUTE_NAMES.length; i++) {
      if (ATTRIBUTE_NAMES[i].equals(name)) {
        return i;
      }
    }
    return -1;
  }

  /** Reads and checks {@code resourceAttributes}; the chain authorizer reads them the same way. */
  static ResourceAttributes attributes(JsonNode node) throws MalformedReviewException {
    if (!node.isObject()) {
      throw new MalformedReviewException("spec.resourceAttributes must be an object");
    }
    return checked(JsonFields.string(node, "namespace"), JsonFields.string(node, "verb"),
        JsonFields.string(node, "group"), JsonFields.string(node, "version"),
        JsonFields.string(node, "resource"), JsonFields.string(node, "subresource"),
        JsonFields.string(node, "name"));
  }

  /** A constant, so the field names below are joined by the compiler, not per request. */
  private static final String AT = "spec.resourceAttributes.";

  private static ResourceAttributes checked(String namespace, String verb, String group,
      String version, String resource, String subresource, String name)
      throws MalformedReviewException {
    ResourceAttributes attributes =
        new ResourceAttributes(namespace, verb, group, version, resource, subresource, name);
    if (attributes.verb().isEmpty() || attributes.resource().isEmpty()) {
      throw new MalformedReviewException("spec.resourceAttributes.verb and .resource are required");
    }
    QuestionFields.namespace(attributes.namespace(), AT + "namespace");
    QuestionFields.word(attributes.verb(), AT + "verb", true, QuestionFields.MAX_LABEL);
    QuestionFields.word(attributes.group(), AT + "group", false, QuestionFields.MAX_NAME);
    QuestionFields.word(attributes.version(), AT + "version", false, QuestionFields.MAX_LABEL);
    QuestionFields.resource(attributes.resource(), AT + "resource");
    QuestionFields.word(attributes.subresource(), AT + "subresource", false,
        QuestionFields.MAX_NAME);
    QuestionFields.name(attributes.name(), AT + "name");
    if (attributes.resource().contains("/") && !attributes.subresource().isEmpty()) {
      // "gatewayendpoints/use" plus subresource "x" names nothing; RBAC would match it only by
      // a wildcard, and the overlay could not tell which disabled entry it stands for.
      throw new MalformedReviewException(AT + "resource names a subresource ('"
          + attributes.resource() + "') and " + AT + "subresource is set too: give it once");
    }
    return attributes;
  }

  /** {@code names}: spec's user and uid; the type of each is checked where it always was. */
  private static Identity subject(StreamedJson.Strings names, JsonNode groupsNode,
      JsonNode extraNode) throws MalformedReviewException {
    String user = names.get(SUBJECT_USER, "user");
    List<String> groups = JsonFields.strings(groupsNode, "spec.groups");
    if ((user == null || user.isEmpty()) && groups.isEmpty()) {
      throw new MalformedReviewException("a SubjectAccessReview needs spec.user or spec.groups");
    }
    Map<String, List<String>> extra = new LinkedHashMap<>();
    if (extraNode != null && !extraNode.isNull()) {
      if (!extraNode.isObject()) {
        throw new MalformedReviewException("spec.extra must be an object of string lists");
      }
      for (Map.Entry<String, JsonNode> entry : extraNode.properties()) {
        extra.put(entry.getKey(),
            JsonFields.strings(entry.getValue(), "spec.extra." + entry.getKey()));
      }
    }
    String uid = names.get(SUBJECT_UID, "uid");
    // Subjects key the cache and reach log lines: no control characters, bounded sizes.
    QuestionFields.text(user, "spec.user", MAX_SUBJECT_FIELD);
    QuestionFields.text(uid, "spec.uid", MAX_SUBJECT_FIELD);
    for (String group : groups) {
      QuestionFields.text(group, "spec.groups[]", MAX_SUBJECT_FIELD);
    }
    for (Map.Entry<String, List<String>> entry : extra.entrySet()) {
      QuestionFields.text(entry.getKey(), "spec.extra key", MAX_SUBJECT_FIELD);
      for (String value : entry.getValue()) {
        QuestionFields.text(value, "spec.extra." + entry.getKey() + "[]", MAX_SUBJECT_FIELD);
      }
    }
    return new Identity(user, uid, groups, extra);
  }

  /** The review as sent, with {@code status} set from the decision: {@link AccessReviewAnswers}. */
  public byte[] encode(AccessReview review, AccessDecision decision) {
    return answers.write(review.document(), decision);
  }
}
