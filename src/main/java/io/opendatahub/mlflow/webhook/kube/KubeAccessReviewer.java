package io.opendatahub.mlflow.webhook.kube;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.opendatahub.mlflow.webhook.authz.AccessDecision;
import io.opendatahub.mlflow.webhook.authz.Identity;
import io.opendatahub.mlflow.webhook.authz.ResourceAttributes;
import io.opendatahub.mlflow.webhook.authz.AccessReviewer;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * TokenReviews and SubjectAccessReviews through fabric8. Its calls block, so they run on a small
 * bounded pool of their own; when the pool and its queue are full, calls fail at once instead of
 * piling up (the caller then fails closed).
 */
public final class KubeAccessReviewer implements AccessReviewer, AutoCloseable {

  private static final int THREADS = 8;
  private static final int QUEUE = 512;

  private final KubernetesClient client;
  private final ThreadPoolExecutor pool;

  public KubeAccessReviewer(KubernetesClient client) {
    this.client = client;
    AtomicInteger count = new AtomicInteger();
    this.pool = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(QUEUE), runnable -> {
          Thread thread = new Thread(runnable, "access-review-" + count.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        }, new ThreadPoolExecutor.AbortPolicy());
    pool.allowCoreThreadTimeOut(true);
  }

  @Override
  public CompletableFuture<Optional<Identity>> authenticate(String bearerToken) {
    return CompletableFuture.supplyAsync(() -> {
      TokenReview review = client.authentication().v1().tokenReviews().create(
          new TokenReviewBuilder().withNewSpec().withToken(bearerToken).endSpec().build());
      if (review.getStatus() == null || !Boolean.TRUE.equals(review.getStatus().getAuthenticated())
          || review.getStatus().getUser() == null) {
        return Optional.<Identity>empty();
      }
      UserInfo user = review.getStatus().getUser();
      return Optional.of(new Identity(user.getUsername(), user.getUid(), user.getGroups(),
          user.getExtra()));
    }, pool);
  }

  @Override
  public CompletableFuture<AccessDecision> review(Identity identity, ResourceAttributes attributes) {
    return CompletableFuture.supplyAsync(() -> {
      SubjectAccessReview review = client.authorization().v1().subjectAccessReview().create(
          new SubjectAccessReviewBuilder().withNewSpec()
              .withUser(identity.username())
              .withUid(emptyToNull(identity.uid()))
              .withGroups(identity.groups())
              .withExtra(identity.extra())
              .withNewResourceAttributes()
              .withNamespace(emptyToNull(attributes.namespace()))
              .withVerb(attributes.verb())
              .withGroup(attributes.group())
              .withVersion(emptyToNull(attributes.version()))
              .withResource(attributes.resource())
              .withSubresource(emptyToNull(attributes.subresource()))
              .withName(emptyToNull(attributes.name()))
              .endResourceAttributes()
              .endSpec().build());
      SubjectAccessReviewStatus status = review.getStatus();
      if (status == null) {
        throw new IllegalStateException("the API server returned a review without status");
      }
      return new AccessDecision(Boolean.TRUE.equals(status.getAllowed()),
          Boolean.TRUE.equals(status.getDenied()), status.getReason(),
          status.getEvaluationError(), AccessDecision.Source.KUBERNETES);
    }, pool);
  }

  private static String emptyToNull(String value) {
    return value == null || value.isEmpty() ? null : value;
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
