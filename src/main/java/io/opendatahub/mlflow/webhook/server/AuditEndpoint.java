package io.opendatahub.mlflow.webhook.server;

import io.opendatahub.mlflow.webhook.audit.AuditReport;
import io.opendatahub.mlflow.webhook.audit.AuditResult;
import io.opendatahub.mlflow.webhook.audit.AuditResults;
import io.opendatahub.mlflow.webhook.audit.AuditedObject;
import io.vertx.core.Handler;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;

/**
 * {@code GET /audit}: the background audit's latest results as JSON, optionally only those of
 * one status ({@code ?result=fail}). Without a cluster there is nothing to audit: 404 saying so.
 * The report grows with the cluster's objects, so it is built and encoded on a worker thread.
 */
final class AuditEndpoint implements Handler<RoutingContext> {

  static final String NO_CLUSTER = "no background audit: the service runs without a cluster"
      + " (--kube none, or no kubeconfig or in-cluster credentials found); use the audit"
      + " command with a kubeconfig instead";

  private final AuditResults results;
  private final JsonReplies replies;
  private final WorkerExecutor workers;
  private final Clock clock;

  /** @param results null without a cluster */
  AuditEndpoint(AuditResults results, JsonReplies replies, WorkerExecutor workers, Clock clock) {
    this.results = results;
    this.replies = replies;
    this.workers = workers;
    this.clock = clock;
  }

  @Override
  public void handle(RoutingContext context) {
    if (results == null) {
      replies.error(context, 404, NO_CLUSTER);
      return;
    }
    List<String> asked = context.queryParam("result");
    AuditResult.Status only = null;
    if (!asked.isEmpty()) {
      only = asked.size() == 1 ? AuditResult.Status.parse(asked.get(0)) : null;
      if (only == null) {
        replies.error(context, 400, "result: give one of pass, fail, warn");
        return;
      }
    }
    AuditResult.Status filter = only;
    workers.executeBlocking(() -> body(filter), false)
        .onSuccess(body -> replies.ok(context, body))
        .onFailure(context::fail);
  }

  private byte[] body(AuditResult.Status only) {
    AuditReport whole = results.report(clock.instant());
    AuditReport.Summary summary = whole.summary();
    AuditReport shown = only == null ? whole : whole.only(only);
    JsonObject counts = new JsonObject();
    summary.results().forEach((status, count) -> counts.put(status.wireName(), count));
    JsonArray objects = new JsonArray();
    for (AuditedObject object : shown.objects()) {
      JsonArray list = new JsonArray();
      for (AuditResult result : object.results()) {
        list.add(new JsonObject().put("rule", result.rule())
            .put("result", result.result().wireName())
            .put("severity", result.severity().wireName()).put("message", result.message()));
      }
      objects.add(new JsonObject().put("kind", object.kind()).put("name", object.name())
          .put("namespace", object.namespace()).put("uid", object.uid())
          .put("resourceVersion", object.resourceVersion()).put("results", list));
    }
    JsonArray unserved = new JsonArray();
    whole.unserved().forEach((kind, reason) -> unserved.add(new JsonObject().put("kind", kind)
        .put("reason", reason)));
    return new JsonObject()
        .put("generatedAt", whole.generatedAt().toString())
        .put("complete", whole.complete())
        .put("unserved", unserved)
        .put("policy", new JsonObject().put("name", whole.policyName())
            .put("hash", whole.policyHash()))
        .put("summary", new JsonObject().put("objects", summary.objects())
            .put("noncompliant", summary.noncompliant()).put("results", counts))
        .put("objects", objects)
        .encode().getBytes(StandardCharsets.UTF_8);
  }
}
