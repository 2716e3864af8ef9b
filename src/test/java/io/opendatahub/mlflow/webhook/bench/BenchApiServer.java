package io.opendatahub.mlflow.webhook.bench;

import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;

/**
 * The API server the benchmarks run the service against: CRUD for what the informers list and
 * watch, and fixed answers to the review APIs (every token is alice of team-a, every access
 * review allowed). Plain HTTP.
 */
final class BenchApiServer {

  private BenchApiServer() {}

  static KubernetesMockServer start() {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(),
        responses, new KubernetesMixedDispatcher(responses), false);
    server.init();
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
