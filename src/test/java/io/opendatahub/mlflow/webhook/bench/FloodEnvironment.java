package io.opendatahub.mlflow.webhook.bench;

import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.opendatahub.mlflow.webhook.testing.CrudApiServer;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * For {@code bench/flood.sh}: a mock API server whose TokenReviews know two users, alice (the
 * token {@code alice}) and mallory (the token {@code mallory}), and whose SubjectAccessReviews
 * allow alice everything and mallory nothing; and a kubeconfig pointing at it. Runs until killed.
 * usage: FloodEnvironment DIR
 */
public final class FloodEnvironment {

  public static void main(String[] args) throws Exception {
    java.util.logging.Logger.getLogger("io.fabric8.mockwebserver")
        .setLevel(java.util.logging.Level.WARNING);
    Path dir = Files.createDirectories(Path.of(args[0]));
    KubernetesMockServer server = CrudApiServer.start();
    server.expect().post().withPath("/apis/authentication.k8s.io/v1/tokenreviews")
        .andReply(200, request -> {
          String token = Fixtures.JSON.readTree(request.getUtf8Body()).path("spec")
              .path("token").asString();
          Map<String, Object> status = token.equals("alice") || token.equals("mallory")
              ? Map.of("authenticated", true, "user", Map.of("username", token,
                  "groups", List.of("system:authenticated")))
              : Map.of("authenticated", false);
          return Map.of("apiVersion", "authentication.k8s.io/v1", "kind", "TokenReview",
              "status", status);
        }).always();
    server.expect().post().withPath("/apis/authorization.k8s.io/v1/subjectaccessreviews")
        .andReply(200, request -> {
          String user = Fixtures.JSON.readTree(request.getUtf8Body()).path("spec").path("user")
              .asString();
          return Map.of("apiVersion", "authorization.k8s.io/v1", "kind", "SubjectAccessReview",
              "status", Map.of("allowed", user.equals("alice")));
        }).always();
    BenchEnvironment.writeKubeconfig(dir, server.createClient().getConfiguration()
        .getMasterUrl());
    System.out.println("mock API server ready");
    Thread.currentThread().join();
  }
}
