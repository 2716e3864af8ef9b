package io.opendatahub.mlflow.webhook.server;

import io.opendatahub.mlflow.webhook.admission.AdmissionRequest;
import io.opendatahub.mlflow.webhook.admission.AdmissionResponse;
import io.opendatahub.mlflow.webhook.admission.AdmissionReview;
import io.opendatahub.mlflow.webhook.admission.AdmissionReviewCodec;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.admission.MalformedReviewException;
import io.opendatahub.mlflow.webhook.admission.Operation;
import io.vertx.core.WorkerExecutor;
import java.util.Locale;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code POST /validate} and {@code POST /mutate}: decode, ask the core, encode, count. */
final class AdmissionEndpoint implements PostEndpoint {

  private static final Logger LOG = LoggerFactory.getLogger(AdmissionEndpoint.class);

  enum Mode {
    VALIDATE("validate"),
    MUTATE("mutate");

    final String label;

    Mode(String label) {
      this.label = label;
    }
  }

  /** What became of a review, as the metrics label it. */
  enum Decision {
    ALLOWED, DENIED, PATCHED, ERROR, MALFORMED;

    final String label = name().toLowerCase(Locale.ROOT);
  }

  private final Mode mode;
  private final AdmissionService service;
  private final AdmissionReviewCodec codec;
  private final Supplier<DecisionContext> contexts;
  private final WebhookMetrics metrics;
  private final JsonReplies replies;
  /** The small pool large reviews are judged on, off the event loop. */
  private final Executor largeReviews;

  AdmissionEndpoint(Mode mode, AdmissionService service, AdmissionReviewCodec codec,
      Supplier<DecisionContext> contexts, WebhookMetrics metrics, JsonReplies replies,
      WorkerExecutor largeReviews) {
    this.largeReviews = task -> largeReviews.executeBlocking(() -> {
      task.run();
      return null;
    }, false);
    this.mode = mode;
    this.service = service;
    this.codec = codec;
    this.contexts = contexts;
    this.metrics = metrics;
    this.replies = replies;
  }

  @Override
  public void handle(Exchange exchange) {
    long started = System.nanoTime();
    byte[] bytes = exchange.body();
    if (bytes == null || bytes.length <= BodyBudget.SMALL_BODY) {
      send(exchange, decide(bytes, started));
      return;
    }
    // A large review takes milliseconds to read and judge; the pool is small, which also bounds
    // how many large trees exist at once. A review whose sender has gone is not judged.
    exchange.readOffLoop(largeReviews, () -> decide(bytes, started))
        .onComplete(decided -> {
          if (decided.failed()) {
            send(exchange, failed(decided.cause(), started));
          } else if (decided.result() != null) {
            send(exchange, decided.result());
          }
        });
  }

  /** An answer ready to send: the status and the JSON body. */
  record Answer(int status, byte[] body) {}

  private void send(Exchange exchange, Answer answer) {
    replies.send(exchange.response(), answer.status(), answer.body());
  }

  /** Reads, judges and encodes one review, and counts it; touches no connection. */
  private Answer decide(byte[] body, long started) {
    AdmissionReview review;
    try {
      review = codec.decode(body);
    } catch (MalformedReviewException e) {
      record(WebhookMetrics.UNKNOWN, null, Decision.MALFORMED, started);
      return new Answer(e.status(), replies.errorBody(e.status(), e.getMessage()));
    }
    AdmissionRequest request = review.request();
    String kind = service.handles(request.kind()) ? request.kind().kind() : "other";
    try {
      DecisionContext decisionContext = contexts.get();
      AdmissionResponse response = mode == Mode.VALIDATE
          ? service.validate(request, decisionContext)
          : service.mutate(request, decisionContext);
      Answer answer = new Answer(200, codec.encode(review.apiVersion(), response));
      metrics.findings(response.findings());
      record(kind, request.operation(), decision(response), started);
      logDecision(request, response);
      return answer;
    } catch (RuntimeException e) {
      LOG.error("{} failed for uid={} kind={} name={}", mode.label,
          LogText.oneLine(request.uid()), LogText.oneLine(request.kind().kind()),
          LogText.oneLine(request.name()), e);
      record(kind, request.operation(), Decision.ERROR, started);
      return new Answer(500, replies.errorBody(500, "internal error while deciding uid "
          + request.uid() + "; the webhook's log has the details"));
    }
  }

  private Answer failed(Throwable failure, long started) {
    LOG.error("{} failed off the event loop", mode.label, failure);
    record(WebhookMetrics.UNKNOWN, null, Decision.ERROR, started);
    return new Answer(500, replies.errorBody(500,
        "internal error; the webhook's log has the details"));
  }

  private static Decision decision(AdmissionResponse response) {
    if (!response.allowed()) {
      return Decision.DENIED;
    }
    return response.hasPatch() ? Decision.PATCHED : Decision.ALLOWED;
  }

  /** {@code operation} is null when the review could not be read. */
  private void record(String kind, Operation operation, Decision decision, long started) {
    metrics.admission(mode, kind, operation, decision, System.nanoTime() - started);
  }

  private void logDecision(AdmissionRequest request, AdmissionResponse response) {
    if (!response.allowed()) {
      if (!LOG.isInfoEnabled()) {
        return; // the arguments are cleaned of line breaks: not for a line nobody writes
      }
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
