package io.opendatahub.mlflow.webhook.authz;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.cluster.AccessReviewer;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.policy.PolicyHolder;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The decision cache around a cluster that answers from a fixed table. */
class AuthorizationServiceTest {

  /** A stand-in cluster: one token, one rule, and a count of the questions asked. */
  private static final class TableReviewer implements AccessReviewer {
    final AtomicInteger reviews = new AtomicInteger();

    @Override
    public CompletableFuture<Optional<Identity>> authenticate(String bearerToken) {
      return CompletableFuture.completedFuture(bearerToken.equals("t")
          ? Optional.of(new Identity("alice", "", List.of("team-a"), Map.of()))
          : Optional.empty());
    }

    @Override
    public CompletableFuture<AccessDecision> review(Identity identity, ResourceAttributes a) {
      reviews.incrementAndGet();
      return CompletableFuture.completedFuture(new AccessDecision(a.verb().equals("get"), false,
          null, null, AccessDecision.Source.KUBERNETES));
    }
  }

  private final Policy policy = TestPolicies.shipped();
  private final PolicyHolder holder = new PolicyHolder(policy);
  private final TableReviewer cluster = new TableReviewer();
  private final AuthorizationService service =
      new AuthorizationService(holder, cluster, AuthorizationService.Observer.NONE);

  private AccessReview review(String verb) {
    return new AccessReview(AccessReview.Kind.SELF_SUBJECT_ACCESS_REVIEW,
        new ResourceAttributes("team-a", verb, "mlflow.kubeflow.org", "", "experiments", "", ""),
        null, null);
  }

  private AccessDecision decide(String verb) {
    return service.authorize(review(verb), "t").join().decision();
  }

  @Test
  void allowsAndDenialsAreBothCachedAndSaySo() {
    AccessDecision first = decide("get");
    AccessDecision again = decide("get");
    decide("delete");
    AccessDecision deniedAgain = decide("delete");

    assertThat(first.source()).isEqualTo(AccessDecision.Source.KUBERNETES);
    assertThat(again.source()).isEqualTo(AccessDecision.Source.CACHE);
    assertThat(again.allowed()).isTrue();
    assertThat(deniedAgain.source()).isEqualTo(AccessDecision.Source.CACHE);
    assertThat(deniedAgain.allowed()).isFalse();
    assertThat(cluster.reviews.get()).isEqualTo(2);
  }

  @Test
  void aPolicyReloadEmptiesTheCache() {
    holder.onChange(service::policyChanged);
    decide("get");

    holder.replace(policy);
    AccessDecision afterReload = decide("get");

    assertThat(afterReload.source()).isEqualTo(AccessDecision.Source.KUBERNETES);
    assertThat(cluster.reviews.get()).isEqualTo(2);
  }

  @Test
  void theSubjectKeyCoversGroupsAndExtraButNotTheirOrder() {
    String one = AuthorizationService.subjectHash(
        new Identity("bob", "", List.of("a", "b"), Map.of("scopes", List.of("x", "y"))));
    String reordered = AuthorizationService.subjectHash(
        new Identity("bob", "", List.of("b", "a"), Map.of("scopes", List.of("y", "x"))));
    String otherGroup = AuthorizationService.subjectHash(
        new Identity("bob", "", List.of("a"), Map.of("scopes", List.of("x", "y"))));

    assertThat(one).isEqualTo(reordered).isNotEqualTo(otherGroup);
  }
}
