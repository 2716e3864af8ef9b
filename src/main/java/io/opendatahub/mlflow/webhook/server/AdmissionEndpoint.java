package io.opendatahub.mlflow.webhook.server;

import io.opendatahub.mlflow.webhook.admission.AdmissionRequest;
import io.opendatahub.mlflow.webhook.admission.AdmissionResponse;
import io.opendatahub.mlflow.webhook.admission.AdmissionReview;
import io.opendatahub.mlflow.webhook.admission.AdmissionReviewCodec;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.admission.MalformedReviewException;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code POST /validate} and {@code POST /mutate}: decode, ask the core, encode, count. */
final class AdmissionEndpoint implements Handler<RoutingContext> {

  private static final Logger LOG = LoggerFactory.getLogger(AdmissionEndpoint.class);

  enum Mode {
    VALIDATE("validate"),
    MUTATE("mutate");

    final String label;

    Mode(String label) {
      this.label = label;
    }
  }

  private final Mode mode;
  private final AdmissionService service;
  private final AdmissionReviewCodec codec;
  private final Supplier<DecisionContext> contexts;
  private final WebhookMetrics metrics;
  private final JsonReplies replies;

  AdmissionEndpoint(Mode mode, AdmissionService service, AdmissionReviewCodec codec,
      Supplier<DecisionContext> contexts, WebhookMetrics metrics, JsonReplies replies) {
    this.mode = mode;
    this.service = service;
    this.codec = codec;
    this.contexts = contexts;
    this.metrics = metrics;
    this.replies = replies;
  }

  @Override
  public void handle(RoutingContext context) {
    long started = System.nanoTime();
    Buffer body = context.body().buffer();
    AdmissionReview review;
    try {
      review = codec.decode(body == null ? null : body.getBytes());
    } catch (MalformedReviewException e) {
      replies.error(context, e.status(), e.getMessage());
      record("unknown", "unknown", "malformed", started);
      return;
    }
    AdmissionRequest request = review.request();
    String kind = service.handles(request.kind()) ? request.kind().kind() : "other";
    try {
      DecisionContext decisionContext = contexts.get();
      AdmissionResponse response = mode == Mode.VALIDATE
          ? service.validate(request, decisionContext)
          : service.mutate(request, decisionContext);
      replies.ok(context, codec.encode(review.apiVersion(), response));
      metrics.findings(response.findings());
      record(kind, request.operation().name(), decision(response), started);
      logDecision(request, response);
    } catch (RuntimeException e) {
      LOG.error("{} failed for uid={} kind={} name={}", mode.label,
          LogText.oneLine(request.uid()), LogText.oneLine(request.kind().kind()),
          LogText.oneLine(request.name()), e);
      replies.error(context, 500, "internal error while deciding uid " + request.uid()
          + "; the webhook's log has the details");
      record(kind, request.operation().name(), "error", started);
    }
  }

  private static String decision(AdmissionResponse response) {
    if (!response.allowed()) {
      return "denied";
    }
    return response.hasPatch() ? "patched" : "allowed";
  }

  private void record(String kind, String operation, String decision, long started) {
    metrics.admission(new WebhookMetrics.AdmissionLabels(mode.label, kind, operation, decision),
        System.nanoTime() - started);
  }

  private void logDecision(AdmissionRequest request, AdmissionResponse response) {
    if (!response.allowed()) {
      LOG.info("{} denied uid={} kind={} name={} user={}: {}", mode.label,
          LogText.oneLine(request.uid()), LogText.oneLine(request.kind().kind()),
          LogText.oneLine(request.name()), LogText.oneLine(request.userInfo().username()),
          LogText.oneLine(response.message()));
    } else if (LOG.isDebugEnabled()) {
      LOG.debug("{} allowed uid={} kind={} name={} warnings={} patched={}", mode.label,
          LogText.oneLine(request.uid()), LogText.oneLine(request.kind().kind()),
          LogText.oneLine(request.name()), response.warnings().size(), response.hasPatch());
    }
  }
}
