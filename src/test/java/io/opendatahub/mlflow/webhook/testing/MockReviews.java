package io.opendatahub.mlflow.webhook.testing;

import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.Map;

/** Fixed answers of a mock API server's review APIs, for tests that need one identity. */
public final class MockReviews {

  public static final String TOKEN_REVIEWS = "/apis/authentication.k8s.io/v1/tokenreviews";
  public static final String ACCESS_REVIEWS = "/apis/authorization.k8s.io/v1/subjectaccessreviews";

  private MockReviews() {}

  /** Every TokenReview authenticates the token as {@code username}, no groups. */
  public static void everyTokenIs(KubernetesMockServer server, String username) {
    server.expect().post().withPath(TOKEN_REVIEWS)
        .andReturn(200, Map.of("apiVersion", "authentication.k8s.io/v1", "kind", "TokenReview",
            "status", Map.of("authenticated", true, "user", Map.of("username", username))))
        .always();
  }

  /** Every SubjectAccessReview answers with {@code status}. */
  public static Map<String, Object> accessReview(Map<String, Object> status) {
    return Map.of("apiVersion", "authorization.k8s.io/v1", "kind", "SubjectAccessReview",
        "status", status);
  }
}
