package io.opendatahub.mlflow.webhook.policy;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/** The YAML shape of a policy file, bound strictly: unknown fields are errors, not ignored. */
record PolicyDocument(
    @JsonProperty(value = "apiVersion", required = true) String apiVersion,
    @JsonProperty(value = "kind", required = true) String kind,
    @JsonProperty("metadata") Metadata metadata,
    @JsonProperty(value = "spec", required = true) Spec spec) {

  record Metadata(
      @JsonProperty("name") String name,
      @JsonProperty("labels") Map<String, String> labels,
      @JsonProperty("annotations") Map<String, String> annotations) {}

  record Spec(
      @JsonProperty(value = "environments", required = true) List<Environment> environments,
      @JsonProperty("mlflow") MLflowPolicy mlflow,
      @JsonProperty("authorization") AuthorizationPolicy authorization,
      @JsonProperty("roleBindings") RoleBindingPolicy roleBindings,
      @JsonProperty("serviceAccountBinding") ServiceAccountBindingPolicy serviceAccountBinding) {}
}
