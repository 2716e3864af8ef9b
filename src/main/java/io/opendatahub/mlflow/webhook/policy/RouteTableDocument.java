package io.opendatahub.mlflow.webhook.policy;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** The YAML shape of an {@code MLflowRouteTable} document, bound strictly. */
record RouteTableDocument(
    @JsonProperty(value = "apiVersion", required = true) String apiVersion,
    @JsonProperty(value = "kind", required = true) String kind,
    @JsonProperty("metadata") PolicyDocument.Metadata metadata,
    @JsonProperty(value = "spec", required = true) Spec spec) {

  record Spec(@JsonProperty(value = "routes", required = true) List<RouteRule> routes) {}
}
