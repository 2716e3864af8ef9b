package io.opendatahub.mlflow.webhook.authz;

import io.opendatahub.mlflow.webhook.admission.JsonFields;
import io.opendatahub.mlflow.webhook.admission.JsonStreams;
import io.opendatahub.mlflow.webhook.admission.MalformedReviewException;
import io.opendatahub.mlflow.webhook.policy.AuthorizationPolicy;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Reads the {@code SubjectAccessReview} the API server's webhook authorizer sends and writes the
 * answer it expects: {@code apiVersion}, {@code kind} and {@code status}; the API server ignores
 * a returned {@code spec}, so it is not echoed.
 *
 * <p>Both versions the API server may send are read: {@code v1} and {@code v1beta1} (the legacy
 * {@code --authorization-webhook-version} still defaults to it), where the groups list is
 * spelled {@code group}. Questions about other API groups are not checked field by field: the
 * answer to them is "no opinion" whatever they hold, and refusing one would turn into the
 * webhook's failure policy for a request that is none of its business.
 */
public final class ChainReviewCodec {

  public static final String V1 = "authorization.k8s.io/v1";
  public static final String V1BETA1 = "authorization.k8s.io/v1beta1";
  private static final String KIND = "SubjectAccessReview";

  private final JsonStreams streams = JsonStreams.withDefaultLimits();

  public ChainReview decode(byte[] body) throws MalformedReviewException {
    JsonNode root = JsonFields.object(streams.mapper(), body, "a SubjectAccessReview");
    String apiVersion = JsonFields.string(root, "apiVersion");
    if (!V1.equals(apiVersion) && !V1BETA1.equals(apiVersion)) {
      throw new MalformedReviewException("apiVersion must be " + V1 + " or " + V1BETA1);
    }
    if (!KIND.equals(JsonFields.string(root, "kind"))) {
      throw new MalformedReviewException("kind must be " + KIND);
    }
    JsonNode spec = root.get("spec");
    if (spec == null || !spec.isObject()) {
      throw new MalformedReviewException("spec is missing");
    }
    JsonNode resource = present(spec.get("resourceAttributes"));
    JsonNode nonResource = present(spec.get("nonResourceAttributes"));
    if ((resource == null) == (nonResource == null)) {
      throw new MalformedReviewException("spec must have exactly one of resourceAttributes and"
          + " nonResourceAttributes");
    }
    Identity subject = subject(spec, V1.equals(apiVersion) ? "groups" : "group");
    return new ChainReview(apiVersion, resource == null ? null : attributes(resource), subject);
  }

  private static JsonNode present(JsonNode node) {
    return node == null || node.isNull() ? null : node;
  }

  private static ResourceAttributes attributes(JsonNode node) throws MalformedReviewException {
    if (!node.isObject()) {
      throw new MalformedReviewException("spec.resourceAttributes must be an object");
    }
    String group = JsonFields.string(node, "group");
    if (!AuthorizationPolicy.MLFLOW_GROUP.equals(group)) {
      return new ResourceAttributes(null, null, group, null, null, null, null);
    }
    return AccessReviewCodec.attributes(node);
  }

  private static Identity subject(JsonNode spec, String groupsField)
      throws MalformedReviewException {
    Map<String, List<String>> extra = new LinkedHashMap<>();
    JsonNode extraNode = present(spec.get("extra"));
    if (extraNode != null) {
      if (!extraNode.isObject()) {
        throw new MalformedReviewException("spec.extra must be an object of string lists");
      }
      for (Map.Entry<String, JsonNode> entry : extraNode.properties()) {
        extra.put(entry.getKey(), JsonFields.strings(entry.getValue(), "spec.extra"));
      }
    }
    return new Identity(JsonFields.string(spec, "user"), JsonFields.string(spec, "uid"),
        JsonFields.strings(spec.get(groupsField), "spec." + groupsField), extra);
  }

  /** The answer in the review's own version, as the API server reads it; written, no tree. */
  public byte[] encode(ChainReview review, AccessDecision decision) {
    return streams.write(generator -> {
      generator.writeStartObject();
      generator.writeStringProperty("apiVersion", review.apiVersion());
      generator.writeStringProperty("kind", KIND);
      AccessReviewAnswers.writeStatus(generator, decision);
      generator.writeEndObject();
    });
  }
}
