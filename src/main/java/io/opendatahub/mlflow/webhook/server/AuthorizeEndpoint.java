package io.opendatahub.mlflow.webhook.server;

import io.opendatahub.mlflow.webhook.admission.MalformedReviewException;
import io.opendatahub.mlflow.webhook.authz.AccessReview;
import io.opendatahub.mlflow.webhook.authz.AccessReviewCodec;
import io.opendatahub.mlflow.webhook.authz.AuthorizationService;
import io.opendatahub.mlflow.webhook.authz.AuthorizeResult;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /authorize}: SelfSubjectAccessReview (the caller's bearer token is the subject) or
 * SubjectAccessReview (the subject is in the body; trusted callers only). The decision comes
 * back on the request's event loop; the service never blocks it.
 */
final class AuthorizeEndpoint implements PostEndpoint {

  private static final Logger LOG = LoggerFactory.getLogger(AuthorizeEndpoint.class);

  private static final String BEARER = "bearer";

  private final AuthorizationService service;
  private final AccessReviewCodec codec = new AccessReviewCodec();
  private final WebhookMetrics metrics;
  private final JsonReplies replies;
  private final AccessReview.Kind only;

  AuthorizeEndpoint(AuthorizationService service, WebhookMetrics metrics, JsonReplies replies) {
    this(service, metrics, replies, null);
  }

  /**
   * @param only the one kind this path takes, as the API server's resource paths do
   *     ({@code .../subjectaccessreviews} takes only SubjectAccessReview); null for both
   */
  AuthorizeEndpoint(AuthorizationService service, WebhookMetrics metrics, JsonReplies replies,
      AccessReview.Kind only) {
    this.only = only;
    this.service = service;
    this.metrics = metrics;
    this.replies = replies;
  }

  @Override
  public void handle(Exchange exchange) {
    long started = System.nanoTime();
    HttpServerResponse response = exchange.response();
    AccessReview review;
    String token;
    try {
      review = codec.decode(exchange.body());
      if (only != null && review.kind() != only) {
        throw new MalformedReviewException("this path takes only " + only.wireName()
            + "; send a " + review.kind().wireName() + " to its own path");
      }
      token = bearerToken(exchange.request());
    } catch (MalformedReviewException e) {
      metrics.authorization(null, WebhookMetrics.MALFORMED, WebhookMetrics.NONE,
          System.nanoTime() - started);
      replies.error(response, 400, e.getMessage());
      return;
    } catch (InvalidAuthorizationHeader e) {
      metrics.authorization(null, "unauthenticated", WebhookMetrics.NONE,
          System.nanoTime() - started);
      replies.error(response, 401, e.getMessage());
      return;
    }
    OnEventLoop.whenDone(service.authorize(review, token), exchange,
        (result, failure) -> reply(response, review, result, failure, started));
  }

  /** The decision on a review, or the failure that left it without one. */
  private void reply(HttpServerResponse response, AccessReview review, AuthorizeResult result,
      Throwable failure, long started) {
    if (failure != null) {
      LOG.error("authorize failed unexpectedly", failure);
      metrics.authorization(review.attributes(), "error", WebhookMetrics.NONE,
          System.nanoTime() - started);
      replies.error(response, 500, "internal error; the webhook's log has the details");
      return;
    }
    if (result.decision() == null) {
      metrics.authorization(review.attributes(),
          result.httpStatus() == 401 ? "unauthenticated" : "forbidden", WebhookMetrics.NONE,
          System.nanoTime() - started);
      replies.error(response, result.httpStatus(), result.message());
      return;
    }
    // Counted before the answer leaves: a caller that reads /metrics right after its
    // answer (on another event loop) must find the request counted.
    metrics.authorization(review.attributes(), result.decision().label(),
        result.decision().source().label(), System.nanoTime() - started);
    replies.ok(response, codec.encode(review, result.decision()));
  }

  /** The tracking server's plugin accepts either header; so does this endpoint. */
  static String bearerToken(HttpServerRequest request) throws InvalidAuthorizationHeader {
    return bearerToken(request.getHeader("Authorization"),
        request.getHeader("X-Forwarded-Access-Token"));
  }

  static String bearerToken(String authorization, String forwarded)
      throws InvalidAuthorizationHeader {
    if (authorization != null) {
      // "<scheme><whitespace><token>", read by hand rather than split by a regular expression
      // (a share of every /authorize answer's time); BearerTokenDifferentialTest holds it to the
      // split it replaced. Whitespace here is what the expression's "\\s" matched: space, tab,
      // line feed, vertical tab, form feed and carriage return.
      String header = authorization.trim();
      int schemeEnd = 0;
      while (schemeEnd < header.length() && !separator(header.charAt(schemeEnd))) {
        schemeEnd++;
      }
      int tokenStart = schemeEnd;
      while (tokenStart < header.length() && separator(header.charAt(tokenStart))) {
        tokenStart++;
      }
      if (tokenStart == schemeEnd || schemeEnd != BEARER.length()
          || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
        throw new InvalidAuthorizationHeader();
      }
      String token = header.substring(tokenStart);
      if (token.isBlank()) {
        throw new InvalidAuthorizationHeader();
      }
      return token.trim();
    }
    if (forwarded == null || forwarded.isBlank()) {
      return null;
    }
    String token = forwarded.trim();
    return token.regionMatches(true, 0, "Bearer ", 0, 7) ? token.substring(7).trim() : token;
  }

  private static boolean separator(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\u000b' || c == '\f' || c == '\r';
  }

  static final class InvalidAuthorizationHeader extends Exception {
    InvalidAuthorizationHeader() {
      super("the Authorization header must be in the format 'Bearer <token>'");
    }
  }
}
