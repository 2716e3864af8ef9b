package io.opendatahub.mlflow.webhook.authz;

import io.opendatahub.mlflow.webhook.admission.JsonFields;
import io.opendatahub.mlflow.webhook.admission.MalformedReviewException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The access-review codec as it was before it streamed (session 7, issue 19): decode into a
 * tree, encode a copy of the tree. Kept as the reference that {@link CodecDifferentialTest}
 * holds the streaming codec to; not used by the service.
 */
final class LegacyAccessReviewCodec {

  /** What the tree codec decoded: the review's parts and its tree. */
  record Review(AccessReview.Kind kind, ResourceAttributes attributes, Identity bodySubject,
      ObjectNode document) {}

  static final String API_VERSION = "authorization.k8s.io/v1";
  private static final int MAX_SUBJECT_FIELD = 1024;

  private final JsonMapper mapper =
      JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  Review decode(byte[] body) throws MalformedReviewException {
    JsonNode root = JsonFields.object(mapper, body,
        "a SelfSubjectAccessReview or a SubjectAccessReview");
    if (!API_VERSION.equals(text(root, "apiVersion"))) {
      throw new MalformedReviewException("apiVersion must be " + API_VERSION);
    }
    String kindText = text(root, "kind");
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
    JsonNode spec = root.get("spec");
    if (spec == null || !spec.isObject()) {
      throw new MalformedReviewException("spec is missing");
    }
    JsonNode resource = spec.get("resourceAttributes");
    JsonNode nonResource = spec.get("nonResourceAttributes");
    boolean hasResource = resource != null && !resource.isNull();
    boolean hasNonResource = nonResource != null && !nonResource.isNull();
    if (hasResource == hasNonResource) {
      throw new MalformedReviewException("spec must have exactly one of resourceAttributes and"
          + " nonResourceAttributes");
    }
    ResourceAttributes attributes = hasResource ? attributes(resource) : null;
    Identity subject = kind == AccessReview.Kind.SUBJECT_ACCESS_REVIEW ? subject(spec) : null;
    return new Review(kind, attributes, subject, (ObjectNode) root);
  }

  /** Reads and checks {@code resourceAttributes}; the chain authorizer reads them the same way. */
  private static ResourceAttributes attributes(JsonNode node) throws MalformedReviewException {
    if (!node.isObject()) {
      throw new MalformedReviewException("spec.resourceAttributes must be an object");
    }
    ResourceAttributes attributes = new ResourceAttributes(text(node, "namespace"),
        text(node, "verb"), text(node, "group"), text(node, "version"), text(node, "resource"),
        text(node, "subresource"), text(node, "name"));
    if (attributes.verb().isEmpty() || attributes.resource().isEmpty()) {
      throw new MalformedReviewException("spec.resourceAttributes.verb and .resource are required");
    }
    String at = "spec.resourceAttributes.";
    QuestionFields.namespace(attributes.namespace(), at + "namespace");
    QuestionFields.word(attributes.verb(), at + "verb", true, QuestionFields.MAX_LABEL);
    QuestionFields.word(attributes.group(), at + "group", false, QuestionFields.MAX_NAME);
    QuestionFields.word(attributes.version(), at + "version", false, QuestionFields.MAX_LABEL);
    QuestionFields.resource(attributes.resource(), at + "resource");
    QuestionFields.word(attributes.subresource(), at + "subresource", false,
        QuestionFields.MAX_NAME);
    QuestionFields.name(attributes.name(), at + "name");
    if (attributes.resource().contains("/") && !attributes.subresource().isEmpty()) {
      // "gatewayendpoints/use" plus subresource "x" names nothing; RBAC would match it only by
      // a wildcard, and the overlay could not tell which disabled entry it stands for.
      throw new MalformedReviewException(at + "resource names a subresource ('"
          + attributes.resource() + "') and " + at + "subresource is set too: give it once");
    }
    return attributes;
  }

  private static Identity subject(JsonNode spec) throws MalformedReviewException {
    String user = text(spec, "user");
    List<String> groups = strings(spec.get("groups"), "spec.groups");
    if ((user == null || user.isEmpty()) && groups.isEmpty()) {
      throw new MalformedReviewException("a SubjectAccessReview needs spec.user or spec.groups");
    }
    Map<String, List<String>> extra = new LinkedHashMap<>();
    JsonNode extraNode = spec.get("extra");
    if (extraNode != null && !extraNode.isNull()) {
      if (!extraNode.isObject()) {
        throw new MalformedReviewException("spec.extra must be an object of string lists");
      }
      for (Map.Entry<String, JsonNode> entry : extraNode.properties()) {
        extra.put(entry.getKey(), strings(entry.getValue(), "spec.extra." + entry.getKey()));
      }
    }
    String uid = text(spec, "uid");
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

  private static List<String> strings(JsonNode node, String field)
      throws MalformedReviewException {
    return JsonFields.strings(node, field);
  }

  private static String text(JsonNode parent, String field) throws MalformedReviewException {
    return JsonFields.string(parent, field);
  }

  /** The review as sent, with {@code status} set from the decision. */
  byte[] encode(Review review, AccessDecision decision) {
    ObjectNode answer = review.document().deepCopy();
    putStatus(answer, decision);
    return mapper.writeValueAsBytes(answer);
  }

  /** {@code status} as SubjectAccessReviewStatus spells it; unset fields are left out. */
  private static void putStatus(ObjectNode answer, AccessDecision decision) {
    ObjectNode status = answer.putObject("status");
    status.put("allowed", decision.allowed());
    if (decision.denied()) {
      status.put("denied", true);
    }
    if (decision.reason() != null) {
      status.put("reason", decision.reason());
    }
    if (decision.evaluationError() != null) {
      status.put("evaluationError", decision.evaluationError());
    }
  }
}
