package io.opendatahub.mlflow.webhook.bench;

import io.opendatahub.mlflow.webhook.admission.AdmissionRequest;
import io.opendatahub.mlflow.webhook.admission.AdmissionResponse;
import io.opendatahub.mlflow.webhook.admission.AdmissionReviewCodec;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.opendatahub.mlflow.webhook.authz.AuthorizationService;
import io.opendatahub.mlflow.webhook.authz.Identity;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer;
import io.opendatahub.mlflow.webhook.authz.RouteTable;
import io.opendatahub.mlflow.webhook.cli.Handlers;
import io.opendatahub.mlflow.webhook.authz.LocalAuthority;
import io.opendatahub.mlflow.webhook.kube.RbacObjects;
import io.opendatahub.mlflow.webhook.policy.PolicyHolder;
import io.opendatahub.mlflow.webhook.admission.StaticNamespaceFacts;
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
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
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
 * encode), patch building, namespace classification, the RBAC evaluator at 100 and 10,000
 * bindings, rebuilding the RBAC snapshot from fabric8 objects (what the informers do after a
 * change), route matching, and a whole {@code /authorize/mlflow} question on the local authority
 * (policy overlay, decision cache, route table). Run with {@code bench/jmh.sh}.
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
  private List<io.fabric8.kubernetes.api.model.rbac.RoleBinding> fabric8Bindings;
  private List<io.fabric8.kubernetes.api.model.rbac.ClusterRole> fabric8Roles;
  private RouteTable routes;
  private RouteAuthorizer routeAuthorizer;
  private RouteAuthorizer.Question routeQuestion;

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

    fabric8Roles = List.of("view", "edit").stream().map(name -> new ClusterRoleBuilder()
        .withNewMetadata().withName(name).endMetadata().addNewRule()
        .withApiGroups("mlflow.kubeflow.org").withResources("experiments", "registeredmodels")
        .withVerbs("get", "list").endRule().build()).toList();
    fabric8Bindings = new ArrayList<>();
    for (int i = 0; i < bindings; i++) {
      fabric8Bindings.add(new RoleBindingBuilder().withNewMetadata().withName("b" + i)
          .withNamespace("ns" + (i % 100)).endMetadata()
          .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", i % 2 == 0 ? "view" : "edit")
          .addNewSubject().withKind("User").withName("user" + i).endSubject()
          .addNewSubject().withKind("Group").withName("group" + (i % 50)).endSubject().build());
    }

    routes = new RouteTable(policy.routes());
    PolicyHolder holder = new PolicyHolder(policy);
    Identity user = new Identity("user" + (bindings - 2), "", List.of("group7"), Map.of());
    AuthorizationService authorization = new AuthorizationService(holder,
        new LocalAuthority(() -> Optional.of(snapshot),
            token -> CompletableFuture.completedFuture(Optional.of(user))),
        AuthorizationService.Listener.NONE);
    routeAuthorizer = new RouteAuthorizer(holder, authorization);
    routeQuestion = new RouteAuthorizer.Question("ns" + ((bindings - 2) % 100), "GET",
        "/mlflow/ajax-api/2.0/mlflow/runs/get", null);
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

  @Benchmark
  public RbacSnapshot rbacSnapshotRebuild() {
    return RbacObjects.snapshot(List.of(), fabric8Roles, fabric8Bindings, List.of(),
        RbacObjects.Aggregation.AS_STORED);
  }

  @Benchmark
  public Object routeMatch() {
    return routes.match("POST", "/mlflow/ajax-api/3.0/mlflow/datasets/d-17/add-experiments");
  }

  @Benchmark
  public RouteAuthorizer.Answer routeCheckOnLocalAuthority() {
    return routeAuthorizer.decide(routeQuestion, "bench-token").join();
  }
}
