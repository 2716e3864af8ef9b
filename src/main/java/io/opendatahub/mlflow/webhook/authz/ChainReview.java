package io.opendatahub.mlflow.webhook.authz;

/**
 * A {@code SubjectAccessReview} the API server's webhook authorizer sent.
 *
 * @param apiVersion {@code authorization.k8s.io/v1} or {@code v1beta1}; the answer uses the same
 * @param attributes the question, or null for a non-resource request ({@code /healthz}, ...)
 * @param subject who is asking; read so a malformed review is refused, not used to decide
 */
public record ChainReview(String apiVersion, ResourceAttributes attributes, Identity subject) {}
