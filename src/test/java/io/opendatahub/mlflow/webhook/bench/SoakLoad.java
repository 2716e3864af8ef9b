package io.opendatahub.mlflow.webhook.bench;

import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ObjectNode;

/**
 * Mixed load against a running service for {@code bench/soak.sh}: admission allows, denials and
 * patches, and permission checks, from 8 connections for the given number of seconds. Prints one
 * line: requests, errors (any non-2xx), p99.
 */
public final class SoakLoad {

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    Path ca = Path.of(args[1]);
    Duration duration = Duration.ofSeconds(Long.parseLong(args[2]));
    Map<String, String> json = Map.of("Content-Type", "application/json");
    ObjectNode dev = Fixtures.mlflow("sqlite-dev.yaml");
    ((ObjectNode) dev.get("spec")).putObject("workspaceLabelSelector").putObject("matchLabels")
        .put("team", "none");
    List<LoadGenerator.Request> mix = List.of(
        new LoadGenerator.Request("/validate", Files.readAllBytes(
            Path.of("src/test/resources/reviews/mlflow-postgresql.json")), json),
        new LoadGenerator.Request("/validate", Files.readAllBytes(
            Path.of("src/test/resources/reviews/mlflow-sqlite.json")), json),
        new LoadGenerator.Request("/mutate",
            Fixtures.mlflowReview(Fixtures.mlflow("sqlite-no-storage.yaml")).bytes(), json),
        new LoadGenerator.Request("/validate", Fixtures.mlflowReview(dev).bytes(), json),
        new LoadGenerator.Request("/authorize", ("{\"apiVersion\":\"authorization.k8s.io/v1\","
            + "\"kind\":\"SelfSubjectAccessReview\",\"spec\":{\"resourceAttributes\":{"
            + "\"namespace\":\"team-a\",\"verb\":\"create\",\"group\":\"mlflow.kubeflow.org\","
            + "\"resource\":\"gatewayendpoints\",\"subresource\":\"use\"}}}")
            .getBytes(StandardCharsets.UTF_8),
            Map.of("Content-Type", "application/json", "Authorization", "Bearer soak")));
    Vertx vertx = Vertx.vertx();
    LoadGenerator.Result result = new LoadGenerator(vertx, ca, 8).run("soak", port, mix, duration);
    System.out.printf("requests=%d errors=%d req/s=%.0f p99_ms=%.3f%n", result.requests(),
        result.errors(), result.perSecond(), result.millis(99));
    vertx.close();
    System.exit(0);
  }
}
