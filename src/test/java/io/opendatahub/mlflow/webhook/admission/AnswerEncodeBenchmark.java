package io.opendatahub.mlflow.webhook.admission;

import io.opendatahub.mlflow.webhook.admission.NamespaceFacts.KnownNamespace;
import io.opendatahub.mlflow.webhook.mlflow.MLflowAdmission;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * Writing the answers of {@code bench/run.sh}'s admission workloads, and a review's decode and
 * answer together as the endpoint does them (issue 19). Run with {@code
 * BENCHMARKS=AnswerEncodeBenchmark bench/jmh.sh -f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc} for the
 * bytes allocated per answer. Not a test.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AnswerEncodeBenchmark {

  @Param({"validate-allowed", "validate-denied", "mutate-patch"})
  public String workload;

  private final AdmissionReviewCodec codec = new AdmissionReviewCodec();
  private byte[] body;
  private AdmissionResponse response;

  @Setup
  public void setUp() throws Exception {
    body = switch (workload) {
      case "validate-allowed" -> Files.readAllBytes(
          Path.of("src/test/resources/reviews/mlflow-postgresql.json"));
      case "validate-denied" -> Files.readAllBytes(
          Path.of("src/test/resources/reviews/mlflow-sqlite.json"));
      default -> Fixtures.mlflowReview(Fixtures.mlflow("sqlite-no-storage.yaml")).bytes();
    };
    AdmissionService service = new AdmissionService(List.of(new MLflowAdmission()));
    DecisionContext context = new DecisionContext(TestPolicies.shipped(),
        new StaticNamespaceFacts(List.of(new KnownNamespace("prod",
            Map.of("mlflow-policy.io/environment", "production")))));
    AdmissionRequest request = codec.decode(body).request();
    response = workload.startsWith("mutate")
        ? service.mutate(request, context) : service.validate(request, context);
  }

  @Benchmark
  public byte[] encode() {
    return codec.encode(AdmissionReview.V1, response);
  }

  @Benchmark
  public byte[] decodeAndEncode() throws MalformedReviewException {
    return codec.encode(codec.decode(body).apiVersion(), response);
  }
}
