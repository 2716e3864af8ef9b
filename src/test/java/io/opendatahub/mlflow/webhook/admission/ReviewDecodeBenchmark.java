package io.opendatahub.mlflow.webhook.admission;

import io.opendatahub.mlflow.webhook.bench.ApiServerReview;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * The review decode alone, as the tree reader did it and as the stream reader does it, on the
 * bodies of {@code bench/run.sh}'s admission workloads (issue 19). Run with {@code
 * BENCHMARKS=ReviewDecodeBenchmark bench/jmh.sh}; add {@code -prof gc} for bytes per decode.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ReviewDecodeBenchmark {

  @Param({"validate-allowed", "validate-denied", "mutate-patch", "validate-apiserver"})
  public String body;

  private final AdmissionReviewCodec codec = new AdmissionReviewCodec();
  private byte[] bytes;

  @Setup
  public void setUp() throws Exception {
    bytes = switch (body) {
      case "validate-allowed" -> Files.readAllBytes(
          Path.of("src/test/resources/reviews/mlflow-postgresql.json"));
      case "validate-denied" -> Files.readAllBytes(
          Path.of("src/test/resources/reviews/mlflow-sqlite.json"));
      case "mutate-patch" ->
          Fixtures.mlflowReview(Fixtures.mlflow("sqlite-no-storage.yaml")).bytes();
      default -> ApiServerReview.body();
    };
  }

  @Benchmark
  public AdmissionReview tree() throws MalformedReviewException {
    return codec.decodeAsTree(bytes);
  }

  @Benchmark
  public AdmissionReview streamed() throws MalformedReviewException {
    return codec.decode(bytes);
  }
}
