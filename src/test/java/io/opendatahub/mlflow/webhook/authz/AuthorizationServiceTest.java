package io.opendatahub.mlflow.webhook.authz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opendatahub.mlflow.webhook.authz.AccessReviewer;
import io.opendatahub.mlflow.webhook.admission.NamespaceFacts;
import io.opendatahub.mlflow.webhook.admission.NamespaceFacts.KnownNamespace;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.policy.PolicyHolder;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import ch.qos.logback.classic.Level;
import com.github.benmanes.caffeine.cache.Ticker;
import io.opendatahub.mlflow.webhook.testing.LogCapture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The decision cache around a cluster that answers from a fixed table. */
class AuthorizationServiceTest {

  /** A stand-in cluster: two tokens, one rule, and a count of the questions asked. */
  private static class TableReviewer implements AccessReviewer {
    final AtomicInteger reviews = new AtomicInteger();
    final Set<String> validTokens = ConcurrentHashMap.newKeySet();

    TableReviewer() {
      validTokens.addAll(List.of("t", PROXY));
    }

    @Override
    public CompletableFuture<Optional<Identity>> authenticate(String bearerToken) {
      if (!validTokens.contains(bearerToken)) {
        return CompletableFuture.completedFuture(Optional.empty());
      }
      return CompletableFuture.completedFuture(Optional.of(bearerToken.equals(PROXY)
          ? new Identity(TRUSTED, "", List.of(), Map.of())
          : new Identity("alice", "", List.of("team-a"), Map.of())));
    }

    /** Anyone may get; only the group admins may delete. */
    @Override
    public CompletableFuture<AccessDecision> review(Identity identity, ResourceAttributes a) {
      reviews.incrementAndGet();
      boolean allowed = a.verb().equals("get")
          || a.verb().equals("delete") && identity.groups().contains("admins");
      return CompletableFuture.completedFuture(new AccessDecision(allowed, false,
          null, null, AccessDecision.Source.KUBERNETES));
    }
  }

  /** The shipped policy's trusted caller, the tracking server's ServiceAccount. */
  private static final String TRUSTED = "system:serviceaccount:redhat-ods-applications:mlflow-sa";
  private static final String PROXY = "proxy-token";

  /** A clock the test moves. */
  private static final class Clock implements Ticker {
    final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    @Override
    public long read() {
      return nanos.get();
    }

    void advance(Duration by) {
      nanos.addAndGet(by.toNanos());
    }
  }

  private final Policy policy = TestPolicies.shipped();
  private final PolicyHolder holder = new PolicyHolder(policy);
  private final TableReviewer cluster = new TableReviewer();
  private final Clock clock = new Clock();
  private final AuthorizationService service =
      new AuthorizationService(holder, cluster, AuthorizationService.Listener.NONE, clock);

  @TempDir Path dir;

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
  void aRouteQuestionsChecksAreAskedForTheIdentityItsAuthenticationFound() {
    ResourceAttributes delete = new ResourceAttributes("team-a", "delete", "mlflow.kubeflow.org",
        "", "experiments", "", "");
    Authentication alice = service.authenticate(BearerToken.of("t")).join();
    Authentication admin = Authentication.of(BearerToken.of("admin-token"),
        new Identity("root", "", List.of("admins"), Map.of()));

    assertThat(alice.refused()).isFalse();
    assertThat(alice.identity().username()).isEqualTo("alice");
    assertThat(service.authorizeSelf(delete, alice).join().decision().allowed()).isFalse();
    // "admin-token" is unknown to the cluster: had its checks looked the token up again, they
    // would have been refused with 401 instead of asked for the identity they were given.
    AuthorizeResult asAdmin = service.authorizeSelf(delete, admin).join();
    assertThat(asAdmin.httpStatus()).isEqualTo(200);
    assertThat(asAdmin.decision().allowed()).isTrue();
    assertThat(service.authenticate(BearerToken.of("admin-token")).join().refusal().httpStatus())
        .isEqualTo(401);
    assertThat(service.authenticate(BearerToken.of(" ")).join().refusal().httpStatus())
        .isEqualTo(401);
    assertThatThrownBy(() -> service.authorizeSelf(delete,
        Authentication.refused(AuthorizeResult.refused(401, "no"))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void withoutAnAuthorityAnAuthenticatedCallersChecksAreAnsweredByPolicyAlone() {
    AuthorizationService standalone =
        new AuthorizationService(holder, null, AuthorizationService.Listener.NONE);
    ResourceAttributes get = new ResourceAttributes("team-a", "get", "mlflow.kubeflow.org", "",
        "experiments", "", "");
    Authentication anyone = standalone.authenticate(BearerToken.of("anything")).join();

    AccessDecision decision = standalone.authorizeSelf(get, anyone).join().decision();

    assertThat(anyone.refused()).isFalse();
    assertThat(anyone.identity()).isNull();
    assertThat(decision.allowed()).isFalse();
    assertThat(decision.evaluationError()).isEqualTo(AuthorizationService.STANDALONE);
    assertThat(decision).isEqualTo(standalone.authorizeSelf(get, BearerToken.of("anything"))
        .join().decision());
  }

  @Test
  void cacheUpkeepRunsOnTheCallingThreadNotOnTheCommonPool() {
    // Caffeine's upkeep reads the ticker (to expire entries), wherever it runs.
    Set<String> readers = ConcurrentHashMap.newKeySet();
    Ticker watched = () -> {
      readers.add(Thread.currentThread().getName());
      return clock.read();
    };
    AuthorizationService watchedService =
        new AuthorizationService(holder, cluster, AuthorizationService.Listener.NONE, watched);

    for (int i = 0; i < 500; i++) {
      watchedService.authorize(review(i % 2 == 0 ? "get" : "delete"), "t").join();
    }
    // Whatever was handed to the common pool has run by now.
    ForkJoinPool.commonPool().awaitQuiescence(30, TimeUnit.SECONDS);

    assertThat(cluster.reviews.get()).isEqualTo(2);
    assertThat(readers).containsOnly(Thread.currentThread().getName());
  }

  @Test
  void aFailureWhileDecidingFailsClosedWhetherTheIdentityWasCachedOrNot() {
    Policy scoped = TestPolicies.shippedWith(dir, "reason: AI Gateway is disabled on this platform",
        "reason: AI Gateway is disabled on this platform\n        except: {namespaceSelector:"
            + " {matchLabels: {gateway: enabled}}}");
    NamespaceFacts broken = new NamespaceFacts() {
      @Override
      public Optional<Map<String, String>> labels(String namespace) {
        throw new IllegalStateException("the namespace cache broke");
      }

      @Override
      public java.util.Collection<KnownNamespace> namespaces() {
        return List.of();
      }

      @Override
      public boolean synced() {
        return true;
      }
    };
    AuthorizationService failing = new AuthorizationService(() -> scoped, broken, cluster,
        AuthorizationService.Listener.NONE);
    ResourceAttributes gateway = new ResourceAttributes("team-a", "get", "mlflow.kubeflow.org",
        "", "gatewayendpoints", "", "");

    // First with the identity still to be asked, then with it cached.
    for (int i = 0; i < 2; i++) {
      AuthorizeResult self = failing.authorizeSelf(gateway, BearerToken.of("t")).join();
      AuthorizeResult named = failing.authorize(new AccessReview(
          AccessReview.Kind.SUBJECT_ACCESS_REVIEW, gateway,
          new Identity("bob", "", List.of(), Map.of()), null), PROXY).join();

      for (AuthorizeResult result : List.of(self, named)) {
        assertThat(result.httpStatus()).isEqualTo(200);
        assertThat(result.decision().allowed()).isFalse();
        assertThat(result.decision().evaluationError())
            .isEqualTo("the API server could not answer (IllegalStateException); denied until"
                + " it can");
      }
    }
    assertThat(cluster.reviews.get()).isZero();
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
    String one = DecisionKey.subjectHash(
        new Identity("bob", "", List.of("a", "b"), Map.of("scopes", List.of("x", "y"))));
    String reordered = DecisionKey.subjectHash(
        new Identity("bob", "", List.of("b", "a"), Map.of("scopes", List.of("y", "x"))));
    String otherGroup = DecisionKey.subjectHash(
        new Identity("bob", "", List.of("a"), Map.of("scopes", List.of("x", "y"))));

    assertThat(one).isEqualTo(reordered).isNotEqualTo(otherGroup);
  }

  private AccessReview subjectReview(Identity subject, String verb) {
    return new AccessReview(AccessReview.Kind.SUBJECT_ACCESS_REVIEW,
        new ResourceAttributes("team-a", verb, "mlflow.kubeflow.org", "", "experiments", "", ""),
        subject, null);
  }

  @Test
  void aRevokedTokenLosesItsCachedAllowOnceTokenTtlHasPassed() {
    AccessDecision allowed = decide("get");
    cluster.validTokens.remove("t");

    AuthorizeResult withinTokenTtl = service.authorize(review("get"), "t").join();
    clock.advance(Duration.ofSeconds(61));
    AuthorizeResult afterTokenTtl = service.authorize(review("get"), "t").join();

    assertThat(allowed.allowed()).isTrue();
    // tokenTtl (60 s) bounds how long a revoked token keeps working, not allowedTtl (300 s).
    assertThat(withinTokenTtl.decision().allowed()).isTrue();
    assertThat(afterTokenTtl.httpStatus()).isEqualTo(401);
    assertThat(afterTokenTtl.decision()).isNull();
  }

  @Test
  void anUnknownTokenIsRefusedBeforePolicyAnswers() {
    ResourceAttributes disabled = new ResourceAttributes("team-a", "get", "mlflow.kubeflow.org",
        "", "gatewayendpoints", "", "");
    ResourceAttributes otherGroup = new ResourceAttributes("team-a", "get", "apps", "",
        "deployments", "", "");

    assertThat(service.authorizeSelf(disabled, BearerToken.of("nobody")).join().httpStatus())
        .isEqualTo(401);
    assertThat(service.authorizeSelf(otherGroup, BearerToken.of("nobody")).join().httpStatus())
        .isEqualTo(401);
    assertThat(service.authorizeSelf(disabled, BearerToken.of("t")).join().decision().denied())
        .isTrue();
    assertThat(cluster.reviews.get()).isZero();
  }

  @Test
  void aUidCarryingNulAndAGroupNameCannotBorrowAnotherSubjectsCachedAllow() {
    // Joined with NUL, both subjects read "bob\01\0admins".
    Identity admin = new Identity("bob", "1", List.of("admins"), Map.of());
    Identity crafted = new Identity("bob", "1\0admins", List.of(), Map.of());

    AccessDecision adminDecision = service.authorize(subjectReview(admin, "delete"), PROXY).join()
        .decision();
    AccessDecision craftedDecision = service.authorize(subjectReview(crafted, "delete"), PROXY)
        .join().decision();

    assertThat(adminDecision.allowed()).isTrue();
    assertThat(craftedDecision.allowed()).isFalse();
    assertThat(craftedDecision.source()).isEqualTo(AccessDecision.Source.KUBERNETES);
  }

  @Test
  void subjectKeysDoNotCollideAcrossFieldBoundaries() {
    List<Identity> subjects = List.of(
        new Identity("bob", "1", List.of("admins"), Map.of()),
        new Identity("bob", "1\0admins", List.of(), Map.of()),
        new Identity("bob\01", "", List.of("admins"), Map.of()),
        new Identity("bob", "1", List.of("admins\u0001scopes"), Map.of()),
        new Identity("bob", "1", List.of("admins"), Map.of("scopes", List.of())),
        new Identity("bob", "1", List.of("admins"), Map.of("scopes", List.of("x\0y"))),
        new Identity("bob", "1", List.of("admins"), Map.of("scopes", List.of("x", "y"))));

    assertThat(subjects.stream().map(DecisionKey::subjectHash).distinct())
        .hasSameSizeAs(subjects);
  }

  @Test
  void callerControlledNamesReachTheDebugLogOnOneLine() {
    Identity forger = new Identity("mallory\nWARN  forged line", "", List.of("g\r\nx"), Map.of());
    try (LogCapture log = new LogCapture(AuthorizationService.class.getName(), Level.DEBUG)) {
      service.authorize(subjectReview(forger, "get"), PROXY).join();

      assertThat(log.lines()).isNotEmpty()
          .allSatisfy(line -> assertThat(line).doesNotContain("\n").doesNotContain("\r"));
      assertThat(log.text()).contains("mallory\\nWARN");
    }
  }

  @Test
  void theDecisionCacheIsBoundedByBytesNotOnlyByEntries() {
    PolicyHolder small = new PolicyHolder(TestPolicies.shippedWith(dir, "maxEntries: 100000",
        "maxEntries: 100"));
    AuthorizationService bounded =
        new AuthorizationService(small, cluster, AuthorizationService.Listener.NONE, clock);
    for (int i = 0; i < 1000; i++) {
      // As long as the edge lets through: 63-character namespace and verb, 253-character
      // resource, subresource and name.
      String namespace = ("ns-" + i + "-").repeat(20).substring(0, 62) + "x";
      String verb = ("v" + i).repeat(40).substring(0, 63);
      String word = ("w" + i).repeat(200).substring(0, 253);
      bounded.authorizeSelf(new ResourceAttributes(namespace, verb, "mlflow.kubeflow.org", "",
          word, word, word), BearerToken.of("t")).join();
    }
    bounded.decisionCache().synchronous().cleanUp();

    long keyBytes = bounded.decisionCache().synchronous().asMap().keySet().stream()
        .mapToLong(key -> 2L * ((DecisionKey) key).length()).sum();
    // maxEntries 100 means at most 100 KiB of entries, however long their names.
    assertThat(keyBytes).isLessThanOrEqualTo(100 * 1024);
    assertThat(bounded.decisionCache().synchronous().estimatedSize()).isPositive();
  }

  /** A cluster like the Kubernetes reviewer: a small pool that refuses work when full. */
  private static final class PooledReviewer implements AccessReviewer {
    final ThreadPoolExecutor pool = new ThreadPoolExecutor(2, 2, 0, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(16), new ThreadPoolExecutor.AbortPolicy());

    @Override
    public CompletableFuture<Optional<Identity>> authenticate(String bearerToken) {
      return CompletableFuture.completedFuture(Optional.of(new Identity(bearerToken, "",
          List.of(), Map.of())));
    }

    /** Opened by the test: until then every review holds its pool thread. */
    final CountDownLatch busy = new CountDownLatch(1);

    /** Only alice has rights; every answer holds a pool thread until the test opens the gate. */
    @Override
    public CompletableFuture<AccessDecision> review(Identity identity, ResourceAttributes a) {
      return CompletableFuture.supplyAsync(() -> {
        try {
          busy.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        boolean allowed = identity.username().equals("alice");
        return new AccessDecision(allowed, false, null, null, AccessDecision.Source.KUBERNETES);
      }, pool);
    }
  }

  /**
   * A cluster whose TokenReviews of unknown tokens hang (an attacker's random tokens, each a new
   * caller), while alice's token is answered at once.
   */
  private static final class HangingReviewer extends TableReviewer {
    final List<CompletableFuture<Optional<Identity>>> hanging = new ArrayList<>();

    @Override
    public synchronized CompletableFuture<Optional<Identity>> authenticate(String bearerToken) {
      if (validTokens.contains(bearerToken)) {
        return super.authenticate(bearerToken);
      }
      CompletableFuture<Optional<Identity>> never = new CompletableFuture<>();
      hanging.add(never);
      return never;
    }
  }

  @Test
  void aFloodOfRandomTokensDoesNotStarveTheRecheckOfAKnownToken() throws Exception {
    HangingReviewer hangs = new HangingReviewer();
    AuthorizationService shared =
        new AuthorizationService(holder, hangs, AuthorizationService.Listener.NONE, clock);
    ResourceAttributes get = new ResourceAttributes("team-a", "get", "mlflow.kubeflow.org", "",
        "experiments", "", "");
    assertThat(shared.authorizeSelf(get, BearerToken.of("t")).join().decision().allowed())
        .isTrue();
    // alice's identity expires: her next question needs a TokenReview, during the flood.
    clock.advance(policy.authorization().cache().tokenTtl().plusSeconds(1));
    List<CompletableFuture<AuthorizeResult>> flood = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      flood.add(shared.authorizeSelf(get, BearerToken.of("random-" + i)));
    }

    AuthorizeResult alice = shared.authorizeSelf(get, BearerToken.of("t"))
        .get(20, TimeUnit.SECONDS);

    assertThat(alice.decision().evaluationError()).as("not starved by the unknown tokens")
        .isNull();
    assertThat(alice.decision().allowed()).isTrue();
    List<CompletableFuture<Optional<Identity>>> running;
    synchronized (hangs) {
      running = List.copyOf(hangs.hanging);
    }
    assertThat(running).as("TokenReviews of never-confirmed tokens running at once")
        .hasSizeLessThanOrEqualTo(UpstreamCalls.MAX_UPSTREAM_RUNNING_PER_CALLER);
    // Each answer lets a waiting one start (and hang): answer them until none is left.
    for (int answered = 0; answered < running.size(); ) {
      running.get(answered++).complete(Optional.empty());
      synchronized (hangs) {
        running = List.copyOf(hangs.hanging);
      }
    }
    // Those answered are unknown (401, no decision); the excess failed closed at once.
    assertThat(flood).extracting(f -> f.get(20, TimeUnit.SECONDS).decision())
        .filteredOn(decision -> decision != null)
        .isNotEmpty()
        .allSatisfy(decision -> assertThat(decision.evaluationError()).contains("in flight"));
  }

  @Test
  void oneCallersFloodDoesNotStarveAnotherCallersCheck() {
    PooledReviewer pooled = new PooledReviewer();
    AuthorizationService shared =
        new AuthorizationService(holder, pooled, AuthorizationService.Listener.NONE);
    List<CompletableFuture<AuthorizeResult>> flood = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      flood.add(shared.authorizeSelf(new ResourceAttributes("missing-" + i, "list",
          "mlflow.kubeflow.org", "", "experiments", "", ""), BearerToken.of("mallory")));
    }

    // Alice asks while the flood's reviews still hold the pool; then the reviews answer.
    CompletableFuture<AuthorizeResult> asked = shared.authorizeSelf(new ResourceAttributes(
        "team-a", "get", "mlflow.kubeflow.org", "", "experiments", "", ""),
        BearerToken.of("alice"));
    pooled.busy.countDown();
    AuthorizeResult alice = asked.join();
    CompletableFuture.allOf(flood.toArray(CompletableFuture[]::new)).join();

    assertThat(alice.decision().evaluationError()).isNull();
    assertThat(alice.decision().allowed()).isTrue();
    assertThat(flood).extracting(f -> f.join().decision().evaluationError())
        .filteredOn(error -> error != null)
        .allSatisfy(error -> assertThat(error).contains("for this caller"));
    pooled.pool.shutdownNow();
  }

  @Test
  void failingClosedIsLoggedOncePerIntervalWithACount() {
    AccessReviewer broken = new TableReviewer() {
      @Override
      public CompletableFuture<AccessDecision> review(Identity identity, ResourceAttributes a) {
        return CompletableFuture.failedFuture(new IllegalStateException("down"));
      }
    };
    PolicyHolder noRetries = new PolicyHolder(TestPolicies.shippedWith(dir,
        "upstream: {timeout: 2s, retries: 1}", "upstream: {timeout: 2s, retries: 0}"));
    AuthorizationService failing =
        new AuthorizationService(noRetries, broken, AuthorizationService.Listener.NONE, clock);
    try (LogCapture log = new LogCapture(AuthorizationService.class.getName(), Level.WARN)) {
      for (int i = 0; i < 1000; i++) {
        failing.authorizeSelf(new ResourceAttributes("ns-" + i, "get", "mlflow.kubeflow.org",
            "", "experiments", "", ""), BearerToken.of("t")).join();
      }
      clock.advance(Duration.ofSeconds(11));
      failing.authorizeSelf(new ResourceAttributes("ns-last", "get", "mlflow.kubeflow.org", "",
          "experiments", "", ""), BearerToken.of("t")).join();

      assertThat(log.lines()).hasSize(2);
      assertThat(log.lines().get(1)).contains("999 more since the previous warning");
    }
  }

  @Test
  void aFailedTokenReviewIsNeitherCachedNorReadAsAnUnknownToken() {
    AtomicInteger attempts = new AtomicInteger();
    AccessReviewer flaky = new TableReviewer() {
      @Override
      public CompletableFuture<Optional<Identity>> authenticate(String bearerToken) {
        return attempts.incrementAndGet() <= 2
            ? CompletableFuture.failedFuture(new IllegalStateException("API server restarting"))
            : super.authenticate(bearerToken);
      }
    };
    AuthorizationService service =
        new AuthorizationService(holder, flaky, AuthorizationService.Listener.NONE, clock);

    AuthorizeResult during = service.authorize(review("get"), "t").join();
    AuthorizeResult after = service.authorize(review("get"), "t").join();

    assertThat(during.httpStatus()).as("failed closed, not 401").isEqualTo(200);
    assertThat(during.decision().evaluationError()).contains("could not answer");
    assertThat(after.decision().allowed()).isTrue();
  }
}
