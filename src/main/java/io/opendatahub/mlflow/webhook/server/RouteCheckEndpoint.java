package io.opendatahub.mlflow.webhook.server;

import io.opendatahub.mlflow.webhook.admission.MalformedReviewException;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.Answer;
import io.opendatahub.mlflow.webhook.authz.RouteQuestionCodec;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /authorize/mlflow}: may the bearer token's owner call this tracking-server route
 * in this workspace? One question, or a batch answered in order. The route table and the access
 * reviews live in {@link RouteAuthorizer}; this class only speaks HTTP.
 */
final class RouteCheckEndpoint implements PostEndpoint {

  private static final Logger LOG = LoggerFactory.getLogger(RouteCheckEndpoint.class);

  private final RouteAuthorizer authorizer;
  private final RouteQuestionCodec codec = new RouteQuestionCodec();
  private final WebhookMetrics metrics;
  private final JsonReplies replies;

  RouteCheckEndpoint(RouteAuthorizer authorizer, WebhookMetrics metrics, JsonReplies replies) {
    this.authorizer = authorizer;
    this.metrics = metrics;
    this.replies = replies;
  }

  @Override
  public void handle(Exchange exchange) {
    long started = System.nanoTime();
    byte[] bytes = exchange.body();
    if (bytes == null || bytes.length <= RouteQuestionCodec.MAX_QUESTION_BYTES) {
      answer(exchange, read(bytes), started);
      return;
    }
    if (batchesFull(exchange)) {
      // A caller flooding batches is refused before its next megabyte of JSON is parsed.
      Answer refused = RouteAuthorizer.tooManyBatches();
      replies.error(exchange.response(), refused.status(), refused.error());
      metrics.routeCheck("throttled", System.nanoTime() - started);
      return;
    }
    // Up to 512 KiB of JSON takes milliseconds to read, sent by anyone (the token is checked
    // after): it is read on the batch pool; a batch whose client hung up meanwhile is not read.
    exchange.readOffLoop(authorizer.batchPool(), () -> read(bytes))
        .onComplete(read -> {
          if (read.failed()) {
            LOG.error("reading route checks failed unexpectedly", read.cause());
            replies.error(exchange.response(), 500,
                "internal error; the webhook's log has the details");
            metrics.routeCheck("error", System.nanoTime() - started);
          } else if (read.result() != null) {
            answer(exchange, read.result(), started);
          }
        });
  }

  /** A body read: its questions, or why it cannot be read. */
  private record Read(RouteQuestionCodec.Decoded decoded, MalformedReviewException malformed) {}

  private Read read(byte[] bytes) {
    try {
      return new Read(codec.decode(bytes), null);
    } catch (MalformedReviewException e) {
      return new Read(null, e);
    }
  }

  private void answer(Exchange exchange, Read read, long started) {
    HttpServerResponse response = exchange.response();
    if (read.malformed() != null) {
      replies.error(response, 400, read.malformed().getMessage());
      metrics.routeCheck(WebhookMetrics.MALFORMED, System.nanoTime() - started);
      return;
    }
    RouteQuestionCodec.Decoded decoded = read.decoded();
    String token;
    try {
      token = AuthorizeEndpoint.bearerToken(exchange.request());
    } catch (AuthorizeEndpoint.InvalidAuthorizationHeader e) {
      replies.error(response, 401, e.getMessage());
      metrics.routeCheck("unauthenticated", System.nanoTime() - started);
      return;
    }
    // A client that hung up wants no answer: its batch stops at the next window.
    OnEventLoop.whenDone(
        authorizer.decideAll(decoded.questions(), token, exchange::clientGone), exchange,
        (answers, failure) -> reply(exchange, decoded, answers, failure, started));
  }

  /** The answers to a body's questions, or the failure that left it without them. */
  private void reply(Exchange exchange, RouteQuestionCodec.Decoded decoded, List<Answer> answers,
      Throwable failure, long started) {
    HttpServerResponse response = exchange.response();
    if (exchange.clientGone()) {
      metrics.routeCheck("cancelled", System.nanoTime() - started);
      return;
    }
    if (failure != null) {
      LOG.error("route check failed unexpectedly", failure);
      replies.error(response, 500, "internal error; the webhook's log has the details");
      metrics.routeCheck("error", System.nanoTime() - started);
      return;
    }
    // Who the caller is, or whether they may ask, is the same for every question.
    Answer refusal = refusal(answers);
    if (refusal != null) {
      replies.error(response, refusal.status(), refusal.error());
    } else if (decoded.batch()) {
      // A thousand answers are a megabyte of JSON: written on the batch pool, not the
      // event loop.
      Future.fromCompletionStage(CompletableFuture.supplyAsync(
              () -> codec.encodeBatch(answers), authorizer.batchPool()),
              exchange.context())
          .onComplete(encoded -> {
            if (encoded.succeeded()) {
              replies.ok(response, encoded.result());
            } else {
              LOG.error("encoding route check answers failed", encoded.cause());
              replies.error(response, 500, "internal error; the webhook's log has the"
                  + " details");
            }
          });
    } else if (answers.get(0).status() != 200) {
      replies.error(response, answers.get(0).status(), answers.get(0).error());
    } else {
      replies.ok(response, codec.encode(answers.get(0)));
    }
    long took = System.nanoTime() - started;
    for (Answer answer : answers) {
      metrics.routeCheck(label(answer), took);
    }
  }

  /** The first answer that refuses the caller (401, 403) or throttles them (429); else null. */
  private static Answer refusal(List<Answer> answers) {
    for (Answer answer : answers) {
      if (RouteAuthorizer.refusesCaller(answer) || answer.status() == 429) {
        return answer;
      }
    }
    return null;
  }

  private boolean batchesFull(Exchange exchange) {
    try {
      String token = AuthorizeEndpoint.bearerToken(exchange.request());
      return token != null && authorizer.batchesFull(token);
    } catch (AuthorizeEndpoint.InvalidAuthorizationHeader e) {
      return false;
    }
  }

  private static String label(Answer answer) {
    return switch (answer.status()) {
      case 200 -> answer.allowed() ? "allowed" : "denied";
      case 404 -> "unknown-route";
      case 400 -> "invalid";
      case 401 -> "unauthenticated";
      case 429 -> "throttled";
      default -> "refused";
    };
  }
}
