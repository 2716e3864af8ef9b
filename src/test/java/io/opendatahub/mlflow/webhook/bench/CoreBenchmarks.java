package io.opendatahub.mlflow.webhook.bench;

import io.opendatahub.mlflow.webhook.admission.AdmissionRequest;
import io.opendatahub.mlflow.webhook.admission.AdmissionResponse;
import io.opendatahub.mlflow.webhook.admission.AdmissionReviewCodec;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.cli.Handlers;
import io.opendatahub.mlflow.webhook.cluster.StaticNamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.Environment;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.rbac.RbacEvaluator;
import io.opendatahub.mlflow.webhook.rbac.RbacModel;
import io.opendatahub.mlflow.webhook.rbac.RbacSnapshot;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * JMH benchmarks of the pure core, without HTTP: one MLflow review decision (decode, validate,
 * encode), patch building, namespace classification, and the RBAC evaluator at 100 and 10,000
 * bindings. Run with {@code bench/jmh.sh}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class CoreBenchmarks {

  @Param({"100", "10000"})
  public int bindings;

  private final AdmissionReviewCodec codec = new AdmissionReviewCodec();
  private final AdmissionService service = new AdmissionService(Handlers.all());
  private DecisionContext context;
  private byte[] sqliteReview;
  private AdmissionRequest noStorage;
  private Policy policy;
  private RbacSnapshot snapshot;
  private RbacModel.Request rbacRequest;

  @Setup
  public void setUp() throws Exception {
    policy = TestPolicies.shipped();
    context = new DecisionContext(policy, StaticNamespaceFacts.fromPolicy(policy));
    sqliteReview = Fixtures.mlflowReview(Fixtures.mlflow("sqlite-dev.yaml")).bytes();
    noStorage = Fixtures.mlflowReview(Fixtures.mlflow("sqlite-no-storage.yaml")).request();
    List<RbacModel.Binding> list = new ArrayList<>();
    for (int i = 0; i < bindings; i++) {
      list.add(new RbacModel.Binding("b" + i, "ns" + (i % 100),
          new RbacModel.RoleRef("ClusterRole", i % 2 == 0 ? "view" : "edit"),
          List.of(new RbacModel.Subject("User", "user" + i, null),
              new RbacModel.Subject("Group", "group" + (i % 50), null))));
    }
    RbacModel.Rule view = new RbacModel.Rule(List.of("get", "list"),
        List.of("mlflow.kubeflow.org"), List.of("experiments", "registeredmodels"), null, null);
    snapshot = new RbacSnapshot(Map.of(), Map.of("view", List.of(view), "edit", List.of(view)),
        list);
    rbacRequest = RbacModel.Request.resource("user" + (bindings - 2), List.of("group7"), "get",
        "ns" + ((bindings - 2) % 100), "mlflow.kubeflow.org", "experiments", "", "");
  }

  @Benchmark
  public byte[] mlflowReviewDecision() throws Exception {
    var review = codec.decode(sqliteReview);
    AdmissionResponse response = service.validate(review.request(), context);
    return codec.encode(review.apiVersion(), response);
  }

  @Benchmark
  public AdmissionResponse patchBuilding() {
    return service.mutate(noStorage, context);
  }

  @Benchmark
  public Environment namespaceClassification() {
    return policy.classify("team-prod-" + bindings, Map.of("mlflow-policy.io/environment", "x"));
  }

  @Benchmark
  public RbacEvaluator.Decision rbacDecision() {
    return RbacEvaluator.authorize(rbacRequest, snapshot);
  }
}
