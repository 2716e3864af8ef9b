package io.opendatahub.mlflow.webhook.server;

import io.opendatahub.mlflow.webhook.admission.MalformedReviewException;
import io.opendatahub.mlflow.webhook.admission.NamespaceFacts;
import io.opendatahub.mlflow.webhook.authz.AccessDecision;
import io.opendatahub.mlflow.webhook.authz.ChainAuthorizer;
import io.opendatahub.mlflow.webhook.authz.ChainReview;
import io.opendatahub.mlflow.webhook.authz.ChainReviewCodec;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Supplier;

/**
 * {@code POST /authorizer}: the API server's webhook authorizer. A SubjectAccessReview in, the
 * platform policy's answer out as its status: {@code denied: true} for a disabled feature, no
 * opinion for everything else. Answered on the event loop from memory; nothing here calls the
 * API server.
 */
final class AuthorizerEndpoint implements Handler<RoutingContext> {

  /** The metrics' source label of these answers, apart from {@code /authorize}'s. */
  static final String SOURCE = "authorizer";

  private final Supplier<Policy> policies;
  private final NamespaceFacts namespaces;
  private final ChainReviewCodec codec = new ChainReviewCodec();
  private final WebhookMetrics metrics;
  private final JsonReplies replies;

  AuthorizerEndpoint(Supplier<Policy> policies, NamespaceFacts namespaces, WebhookMetrics metrics,
      JsonReplies replies) {
    this.policies = policies;
    this.namespaces = namespaces;
    this.metrics = metrics;
    this.replies = replies;
  }

  @Override
  public void handle(RoutingContext context) {
    long started = System.nanoTime();
    ChainReview review;
    try {
      Buffer body = context.body().buffer();
      review = codec.decode(body == null ? null : body.getBytes());
    } catch (MalformedReviewException e) {
      metrics.authorization(null, "malformed", SOURCE, System.nanoTime() - started);
      replies.error(context, 400, e.getMessage());
      return;
    }
    AccessDecision decision = ChainAuthorizer.decide(review.attributes(),
        policies.get().authorization(), namespaces);
    metrics.authorization(review.attributes(), decision.label(), SOURCE,
        System.nanoTime() - started);
    replies.ok(context, codec.encode(review, decision));
  }
}
