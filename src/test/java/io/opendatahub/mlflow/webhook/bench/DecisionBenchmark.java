package io.opendatahub.mlflow.webhook.bench;

import io.opendatahub.mlflow.webhook.admission.AdmissionRequest;
import io.opendatahub.mlflow.webhook.admission.AdmissionResponse;
import io.opendatahub.mlflow.webhook.admission.AdmissionReviewCodec;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.admission.StaticNamespaceFacts;
import io.opendatahub.mlflow.webhook.mlflow.MLflowAdmission;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.rbac.RoleBindingAdmission;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BiFunction;
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
 * The decision alone, on the bodies of bench/run.sh's admission workloads, already decoded: what
 * {@code AdmissionService} costs between the codec's decode and encode (issue 19), with the
 * service's code and with the code of 5a3467d kept in {@code legacy.decision}. Run with
 * {@code BENCHMARKS=DecisionBenchmark bench/jmh.sh -f 1 -wi 3 -w 2s -i 5 -r 2s -prof gc} for
 * bytes per decision.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DecisionBenchmark {

  @Param({"validate-allowed", "validate-denied", "validate-apiserver", "mutate-patch",
      "rolebinding-unrelated"})
  public String workload;

  /** The service's decision code, or the code of 5a3467d it replaced (legacy.decision). */
  @Param({"current", "legacy"})
  public String code;

  private BiFunction<AdmissionRequest, DecisionContext, AdmissionResponse> decision;
  private DecisionContext context;
  private AdmissionRequest request;

  @Setup
  public void setUp() throws Exception {
    boolean mutate = workload.startsWith("mutate");
    if (code.equals("legacy")) {
      var legacy = new io.opendatahub.mlflow.webhook.legacy.decision.AdmissionService(List.of(
          new io.opendatahub.mlflow.webhook.legacy.decision.MLflowAdmission(),
          new RoleBindingAdmission()));
      decision = mutate ? legacy::mutate : legacy::validate;
    } else {
      AdmissionService current = new AdmissionService(
          List.of(new MLflowAdmission(), new RoleBindingAdmission()));
      decision = mutate ? current::mutate : current::validate;
    }
    Policy policy = TestPolicies.shipped();
    context = new DecisionContext(policy, StaticNamespaceFacts.fromPolicy(policy));
    Path dir = Files.createTempDirectory("decision-bench");
    BenchEnvironment.writeBodies(dir);
    request = new AdmissionReviewCodec().decode(Files.readAllBytes(dir.resolve(workload + ".json")))
        .request();
  }

  @Benchmark
  public AdmissionResponse decide() {
    return decision.apply(request, context);
  }
}
