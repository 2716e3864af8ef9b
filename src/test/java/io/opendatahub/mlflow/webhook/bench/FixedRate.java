package io.opendatahub.mlflow.webhook.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Open-loop load at a fixed rate for {@code bench/run.sh}: requests are due on a schedule, and
 * each latency counts from when its request was due, not when it could be sent, so a stalled
 * server shows up in the percentiles (no coordinated omission). Trusts any certificate, as wrk
 * does. Prints the same RESULT line as {@code bench/workload.lua}, then a WINDOW line: the
 * measured window in wall-clock milliseconds, so {@code bench/run.sh} can pick out what the
 * server's GC, safepoint and JIT logs recorded during it.
 * usage: [TIMELINE=1] FixedRate PORT PATH BODY_FILE ANSWER_BYTES RATE SECONDS [CONNECTIONS=16]
 */
public final class FixedRate {

  // Sending at 2,000 req/s from a cold JVM keeps both cores of the bench machine busy with JIT
  // compilation for 8-10 s: with a 3 s warm-up the backlog of that time (a second and more)
  // landed in the measured window as the whole p99 (TIMELINE=1 showed it draining from t=3s).
  private static final long WARMUP_SECONDS = 15;

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    String path = args[1];
    Buffer body = Buffer.buffer(Files.readAllBytes(Path.of(args[2])));
    String answerBytes = args[3];
    int rate = Integer.parseInt(args[4]);
    long seconds = Long.parseLong(args[5]);
    int connections = args.length > 6 ? Integer.parseInt(args[6]) : 16;
    Vertx vertx = Vertx.vertx();
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setSsl(true)
        .setTrustAll(true).setVerifyHost(false).setKeepAlive(true)
        .setDefaultHost("127.0.0.1").setDefaultPort(port),
        new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1));
    Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(30), 3);
    // TIMELINE=1: the worst latency of each 100 ms of due times, to see when the tail happened.
    boolean timeline = "1".equals(System.getenv("TIMELINE"));
    long[] worstPerTick = new long[(int) ((seconds + WARMUP_SECONDS) * 10 + 1)];
    AtomicLong errors = new AtomicLong();
    // The first seconds warm this JVM and open its connections: sent, but not recorded.
    long warmup = TimeUnit.SECONDS.toNanos(WARMUP_SECONDS);
    long total = rate * (seconds + WARMUP_SECONDS);
    CountDownLatch done = new CountDownLatch((int) total);
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
    long startMillis = System.currentTimeMillis() + 50;
    AtomicLong recorded = new AtomicLong();
    long interval = TimeUnit.SECONDS.toNanos(1) / rate;
    AtomicLong next = new AtomicLong();
    vertx.setPeriodic(1, timer -> {
      long now = System.nanoTime();
      while (next.get() < total && start + next.get() * interval <= now) {
        long due = start + next.getAndIncrement() * interval;
        client.request(HttpMethod.POST, path).compose(request -> request
                .putHeader("Content-Type", "application/json")
                .putHeader("Authorization", "Bearer bench")
                .putHeader("X-Bench-Size", answerBytes).send(body))
            .compose(response -> response.body().map(b -> response.statusCode()))
            .onComplete(outcome -> {
              if (due >= start + warmup) {
                long took = System.nanoTime() - due;
                synchronized (latency) {
                  latency.recordValue(Math.min(took, latency.getHighestTrackableValue()));
                  int tick = (int) ((due - start) / TimeUnit.MILLISECONDS.toNanos(100));
                  worstPerTick[tick] = Math.max(worstPerTick[tick], took);
                }
                recorded.incrementAndGet();
              }
              if (outcome.failed() || outcome.result() / 100 != 2) {
                errors.incrementAndGet();
              }
              done.countDown();
            });
      }
      if (next.get() >= total) {
        vertx.cancelTimer(timer);
      }
    });
    boolean finished = done.await(seconds + WARMUP_SECONDS + 60, TimeUnit.SECONDS);
    double elapsed = (System.nanoTime() - start - warmup) / 1e9;
    System.out.printf("RESULT rps=%.0f p50=%.3f p99=%.3f p999=%.3f errors=%d%n",
        recorded.get() / elapsed, latency.getValueAtPercentile(50) / 1e6,
        latency.getValueAtPercentile(99) / 1e6, latency.getValueAtPercentile(99.9) / 1e6,
        errors.get() + (finished ? 0 : done.getCount()));
    System.out.printf("WINDOW from=%d to=%d%n", startMillis + TimeUnit.NANOSECONDS.toMillis(warmup),
        startMillis + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    if (timeline) {
      for (int tick = (int) (WARMUP_SECONDS * 10); tick < worstPerTick.length; tick++) {
        System.err.printf("t=%.1fs worst=%.1fms%n", tick / 10.0, worstPerTick[tick] / 1e6);
      }
    }
    vertx.close();
    System.exit(0);
  }
}
