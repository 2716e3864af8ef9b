package io.opendatahub.mlflow.webhook.bench;

import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.opendatahub.mlflow.webhook.testing.CrudApiServer;
import java.util.List;
import java.util.Map;

/**
 * The API server the benchmarks run the service against: CRUD for what the informers list and
 * watch, and fixed answers to the review APIs (every token is alice of team-a, every access
 * review allowed). Plain HTTP.
 */
final class BenchApiServer {

  private BenchApiServer() {}

  static KubernetesMockServer start() {
    KubernetesMockServer server = CrudApiServer.start();
    server.expect().post().withPath("/apis/authentication.k8s.io/v1/tokenreviews")
        .andReturn(200, Map.of("apiVersion", "authentication.k8s.io/v1", "kind", "TokenReview",
            "status", Map.of("authenticated", true, "user",
                Map.of("username", "alice", "groups", List.of("team-a"))))).always();
    server.expect().post().withPath("/apis/authorization.k8s.io/v1/subjectaccessreviews")
        .andReturn(200, Map.of("apiVersion", "authorization.k8s.io/v1",
            "kind", "SubjectAccessReview", "status", Map.of("allowed", true))).always();
    return server;
  }
}
