package io.opendatahub.mlflow.webhook.bench;

import io.opendatahub.mlflow.webhook.admission.AdmissionResponse;
import io.opendatahub.mlflow.webhook.admission.AdmissionReview;
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
 * A review's body to its answer's bytes without HTTP: decode, decide, encode, on the bodies of
 * bench/run.sh's admission workloads. What the service's own code and Jackson cost per request on
 * the event loop (issue 19); {@link DecisionBenchmark} has the decision alone. Run with
 * {@code BENCHMARKS=AnswerBenchmark bench/jmh.sh -f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AnswerBenchmark {

  @Param({"validate-allowed", "validate-denied", "validate-apiserver", "mutate-patch"})
  public String workload;

  private final AdmissionReviewCodec codec = new AdmissionReviewCodec();
  private final AdmissionService service =
      new AdmissionService(List.of(new MLflowAdmission(), new RoleBindingAdmission()));
  private DecisionContext context;
  private byte[] body;
  private boolean mutate;

  @Setup
  public void setUp() throws Exception {
    Policy policy = TestPolicies.shipped();
    context = new DecisionContext(policy, StaticNamespaceFacts.fromPolicy(policy));
    Path dir = Files.createTempDirectory("answer-bench");
    BenchEnvironment.writeBodies(dir);
    body = Files.readAllBytes(dir.resolve(workload + ".json"));
    mutate = workload.startsWith("mutate");
  }

  @Benchmark
  public byte[] answer() throws Exception {
    AdmissionReview review = codec.decode(body);
    AdmissionResponse response = mutate
        ? service.mutate(review.request(), context)
        : service.validate(review.request(), context);
    return codec.encode(review.apiVersion(), response);
  }
}
