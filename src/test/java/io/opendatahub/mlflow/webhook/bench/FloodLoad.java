package io.opendatahub.mlflow.webhook.bench;

import io.opendatahub.mlflow.webhook.testing.Eventually;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * For {@code bench/flood.sh}: one victim measured quiet, then while a flooder posts 1,000-check
 * batches of workspaces that do not exist, as fast as its connections allow.
 *
 * <p>The victim sends at a fixed rate (open loop: latency counts from when a request was due, so
 * a stalled server shows in the percentiles). {@code authorize}: alice's single route checks,
 * each in a workspace never asked before (a cache miss, an upstream call); success means 200 and
 * {@code allowed: true}. {@code validate}: an MLflow AdmissionReview; success means 200.
 *
 * <p>Prints {@code RESULT phase=quiet|flood ok=.. total=.. p50=.. p99=..} per phase and
 * {@code FLOOD batches=.. statuses=..} for the flooder.
 * usage: FloodLoad PORT authorize|validate VICTIM_RATE SECONDS FLOOD_CONNECTIONS FLOOD_TOKEN
 *        [VALIDATE_BODY]
 */
public final class FloodLoad {

  private static final int BATCH = 1000;
  private static final long WARMUP_SECONDS = 10;

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    boolean authorize = args[1].equals("authorize");
    int rate = Integer.parseInt(args[2]);
    long seconds = Long.parseLong(args[3]);
    int floodConnections = Integer.parseInt(args[4]);
    String floodToken = args[5];
    Buffer validateBody = args.length > 6 && !args[6].isEmpty()
        ? Buffer.buffer(Files.readAllBytes(Path.of(args[6]))) : null;
    Vertx vertx = Vertx.vertx();
    HttpClientOptions tls = new HttpClientOptions().setSsl(true).setTrustAll(true)
        .setVerifyHost(false).setKeepAlive(true).setDefaultHost("127.0.0.1")
        .setDefaultPort(port);
    HttpClient victim = vertx.createHttpClient(tls,
        new PoolOptions().setHttp1MaxSize(32).setMaxWaitQueueSize(-1));
    // The flooder builds and reads large bodies: on event loops of its own, so the victim's
    // requests are not delayed in this process.
    Vertx floodVertx = Vertx.vertx();
    HttpClient flooder = floodVertx.createHttpClient(new HttpClientOptions(tls),
        new PoolOptions().setHttp1MaxSize(floodConnections).setMaxWaitQueueSize(-1));
    AtomicLong sequence = new AtomicLong();

    Victim load = new Victim(vertx, victim, authorize, validateBody, sequence);
    // Warm both the service and this JVM, then measure quiet.
    load.run(rate, WARMUP_SECONDS);
    Victim.Phase quiet = load.run(rate, seconds);
    quiet.print("quiet");

    AtomicBoolean flooding = new AtomicBoolean(true);
    Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
    LongAdder batches = new LongAdder();
    for (int i = 0; i < floodConnections; i++) {
      floodVertx.runOnContext(v -> flood(flooder, floodToken, sequence, flooding, statuses,
          batches));
    }
    // The flood is in full swing once every connection has been answered twice; then the
    // victim warms its paths under it (the service compiles them) before it is measured.
    Eventually.until(Duration.ofSeconds(120), "every flood connection answered twice",
        () -> batches.sum() >= 2L * floodConnections);
    load.run(rate, WARMUP_SECONDS);
    statuses.clear();
    batches.reset();
    Victim.Phase flood = load.run(rate, seconds);
    flooding.set(false);
    flood.print("flood");
    System.out.println("FLOOD batches=" + batches.sum() + " statuses=" + statuses);
    vertx.close();
    System.exit(0);
  }

  private static void flood(HttpClient client, String token, AtomicLong sequence,
      AtomicBoolean flooding, Map<Integer, LongAdder> statuses, LongAdder batches) {
    if (!flooding.get()) {
      return;
    }
    StringBuilder body = new StringBuilder("{\"checks\":[");
    for (int i = 0; i < BATCH; i++) {
      body.append(i == 0 ? "" : ",").append("{\"workspace\":\"nowhere-")
          .append(sequence.incrementAndGet())
          .append("\",\"method\":\"GET\",\"path\":\"/api/3.0/mlflow/workspaces\"}");
    }
    body.append("]}");
    client.request(HttpMethod.POST, "/authorize/mlflow").compose(request -> request
            .putHeader("Content-Type", "application/json")
            .putHeader("Authorization", "Bearer " + token).send(body.toString()))
        .compose(response -> response.body().map(b -> response.statusCode()))
        .onComplete(outcome -> {
          batches.increment();
          statuses.computeIfAbsent(outcome.succeeded() ? outcome.result() : -1,
              ignored -> new LongAdder()).increment();
          flood(client, token, sequence, flooding, statuses, batches);
        });
  }

  /** The measured user: requests at a fixed rate, latency from when each was due. */
  private static final class Victim {

    record Phase(long ok, long total, Histogram latency) {
      void print(String name) {
        System.out.printf("RESULT phase=%s ok=%d total=%d p50=%.3f p99=%.3f%n", name, ok, total,
            latency.getValueAtPercentile(50) / 1e6, latency.getValueAtPercentile(99) / 1e6);
      }
    }

    private final Vertx vertx;
    private final HttpClient client;
    private final boolean authorize;
    private final Buffer validateBody;
    private final AtomicLong sequence;

    Victim(Vertx vertx, HttpClient client, boolean authorize, Buffer validateBody,
        AtomicLong sequence) {
      this.vertx = vertx;
      this.client = client;
      this.authorize = authorize;
      this.validateBody = validateBody;
      this.sequence = sequence;
    }

    Phase run(int rate, long seconds) throws InterruptedException {
      long total = rate * seconds;
      Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
      LongAdder ok = new LongAdder();
      CountDownLatch done = new CountDownLatch((int) total);
      long interval = TimeUnit.SECONDS.toNanos(1) / rate;
      long start = System.nanoTime();
      AtomicLong next = new AtomicLong();
      vertx.setPeriodic(1, timer -> {
        long now = System.nanoTime();
        while (next.get() < total && start + next.get() * interval <= now) {
          long due = start + next.getAndIncrement() * interval;
          send().onComplete(outcome -> {
            synchronized (latency) {
              latency.recordValue(Math.min(System.nanoTime() - due,
                  latency.getHighestTrackableValue()));
            }
            if (outcome.succeeded() && outcome.result()) {
              ok.increment();
            }
            done.countDown();
          });
        }
        if (next.get() >= total) {
          vertx.cancelTimer(timer);
        }
      });
      done.await(seconds + 120, TimeUnit.SECONDS);
      return new Phase(ok.sum(), total, latency);
    }

    private Future<Boolean> send() {
      String path = authorize ? "/authorize/mlflow" : "/validate";
      Buffer body = authorize ? Buffer.buffer("{\"workspace\":\"team-" + sequence.incrementAndGet()
          + "\",\"method\":\"POST\",\"path\":\"/api/2.0/mlflow/runs/create\"}") : validateBody;
      return client.request(HttpMethod.POST, path).compose(request -> request
              .putHeader("Content-Type", "application/json")
              .putHeader("Authorization", "Bearer alice").send(body))
          .compose(response -> response.body().map(b -> response.statusCode() == 200
              && (!authorize || new JsonObject(b).getBoolean("allowed", false))));
    }
  }
}
