package io.opendatahub.mlflow.webhook.bench;

import io.opendatahub.mlflow.webhook.admission.NamespaceFacts.KnownNamespace;
import io.opendatahub.mlflow.webhook.authz.AccessDecision;
import io.opendatahub.mlflow.webhook.authz.ChainAuthorizer;
import io.opendatahub.mlflow.webhook.authz.ChainReview;
import io.opendatahub.mlflow.webhook.authz.ChainReviewCodec;
import io.opendatahub.mlflow.webhook.authz.ResourceAttributes;
import io.opendatahub.mlflow.webhook.admission.StaticNamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.AuthorizationPolicy;
import io.opendatahub.mlflow.webhook.policy.PolicyLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One decision of the API server's webhook authorizer: the policy work alone (a namespace-scoped
 * switch looked up among 10,000 namespaces), and the whole answer (decode the SubjectAccessReview,
 * decide, encode). Run with {@code BENCHMARKS=ChainAuthorizerBenchmark bench/jmh.sh}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ChainAuthorizerBenchmark {

  private AuthorizationPolicy policy;
  private StaticNamespaceFacts facts;
  private ResourceAttributes disabled;
  private ResourceAttributes enabled;
  private final ChainReviewCodec codec = new ChainReviewCodec();
  private byte[] review;

  @Setup
  public void setUp() throws Exception {
    policy = new PolicyLoader().load(Path.of("policies/examples/ai-gateway-by-namespace.yaml"))
        .authorization();
    List<KnownNamespace> namespaces = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      namespaces.add(new KnownNamespace("team-" + i, i % 10 == 0
          ? Map.of("mlflow-policy.io/ai-gateway", "enabled") : Map.of("team", "t" + i)));
    }
    facts = new StaticNamespaceFacts(namespaces);
    disabled = new ResourceAttributes("team-4567", "create", AuthorizationPolicy.MLFLOW_GROUP,
        "v1", "gatewayendpoints", "use", "");
    enabled = new ResourceAttributes("team-4560", "create", AuthorizationPolicy.MLFLOW_GROUP,
        "v1", "gatewayendpoints", "use", "");
    review = ("{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SubjectAccessReview\","
        + "\"spec\":{\"resourceAttributes\":{\"namespace\":\"team-4567\",\"verb\":\"create\","
        + "\"group\":\"mlflow.kubeflow.org\",\"version\":\"v1\",\"resource\":"
        + "\"gatewayendpoints\",\"subresource\":\"use\"},\"user\":\"alice\",\"uid\":\"u-1\","
        + "\"groups\":[\"team-a\",\"system:authenticated\"],\"extra\":{\"authentication."
        + "kubernetes.io/credential-id\":[\"JTI=1\"]}}}").getBytes(StandardCharsets.UTF_8);
  }

  /** Policy work for a namespace outside the selector: denied. */
  @Benchmark
  public AccessDecision decisionDenied() {
    return ChainAuthorizer.decide(disabled, policy, facts);
  }

  /** Policy work for a namespace the selector keeps on: no opinion. */
  @Benchmark
  public AccessDecision decisionNoOpinion() {
    return ChainAuthorizer.decide(enabled, policy, facts);
  }

  /** What the endpoint does per request besides TLS and HTTP: decode, decide, encode. */
  @Benchmark
  public byte[] reviewRoundTrip() throws Exception {
    ChainReview decoded = codec.decode(review);
    return codec.encode(decoded, ChainAuthorizer.decide(decoded.attributes(), policy, facts));
  }
}
