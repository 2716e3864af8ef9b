package io.opendatahub.mlflow.webhook.bench;

import io.vertx.core.Context;
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
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Open-loop load at a fixed rate for {@code bench/run.sh}: requests are due on a schedule, and
 * each latency counts from when its request was due, not when it could be sent, so a stalled
 * server shows up in the percentiles (no coordinated omission). Trusts any certificate, as wrk
 * does. After WARMUP seconds (sent, not recorded) it measures WINDOWS consecutive windows of
 * SECONDS each: one window could not tell a tail difference from noise. Per window it prints
 * {@code WINDOW n= from= to= rps= p50= p99= p999= errors=}: its wall-clock milliseconds (from
 * its first request's due time to its last answer, at least SECONDS), so {@code bench/run.sh}
 * can pick out what the server's GC, safepoint and JIT logs recorded during it; then the same
 * RESULT line as {@code bench/workload.lua} over all windows. A request belongs to the window it
 * was due in.
 * usage: [TIMELINE=1] FixedRate PORT PATH BODY_FILE ANSWER_BYTES RATE SECONDS [CONNECTIONS=16]
 *   [WINDOWS=1] [WARMUP=15]
 */
public final class FixedRate {

  // Sending at 2,000 req/s from a cold JVM keeps both cores of the bench machine busy with JIT
  // compilation for 8-10 s: with a 3 s warm-up the backlog of that time (a second and more)
  // landed in the measured window as the whole p99 (TIMELINE=1 showed it draining from t=3s).
  private static final long DEFAULT_WARMUP_SECONDS = 15;

  /** Sends the request due at {@code due} (nanoTime), the {@code index}-th of the run. */
  @FunctionalInterface
  private interface Sender {
    void send(long due, long index);
  }

  /** What one window recorded; guarded by the instance's monitor. */
  private static final class Window {
    final Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(30), 3);
    long completed;
    long errors;
    long lastAnswer;

    synchronized void record(long took, long answered, boolean failed) {
      latency.recordValue(Math.min(took, latency.getHighestTrackableValue()));
      completed++;
      lastAnswer = Math.max(lastAnswer, answered);
      if (failed) {
        errors++;
      }
    }
  }

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    String path = args[1];
    Buffer body = Buffer.buffer(Files.readAllBytes(Path.of(args[2])));
    String answerBytes = args[3];
    int rate = Integer.parseInt(args[4]);
    long seconds = Long.parseLong(args[5]);
    int connections = args.length > 6 ? Integer.parseInt(args[6]) : 16;
    int windows = args.length > 7 ? Integer.parseInt(args[7]) : 1;
    long warmupSeconds = args.length > 8 ? Long.parseLong(args[8]) : DEFAULT_WARMUP_SECONDS;
    Vertx vertx = Vertx.vertx();
    // With Vert.x's 10 s handshake time-out, a cold server pinned to a core of a machine at load
    // 20-30 answered nothing in the whole run: 16 warm-up errors (one per connection), then no
    // request completed. Most likely its first handshakes took longer than that: they get as
    // long as the warm-up and 30 s more.
    HttpClientOptions options = new HttpClientOptions().setSsl(true)
        .setSslHandshakeTimeout(Math.max(10, warmupSeconds + 30))
        .setSslHandshakeTimeoutUnit(TimeUnit.SECONDS)
        .setTrustAll(true).setVerifyHost(false).setKeepAlive(true)
        .setDefaultHost("127.0.0.1").setDefaultPort(port);
    // One client of one connection each, taken in turn, rather than one pool of CONNECTIONS: the
    // pool opened all of them in the warm-up's backlog, then left some unused for 30 s, so the
    // server's idle timeout closed one mid-run and the pool opened another. That reconnection's
    // handshake, and the JIT compilations it set off in both JVMs (perf sched: C1 and C2 threads
    // of both woke at once and took turns with the server's event loop on core 0 and the pacer
    // on core 1), was a 20-80 ms stall in a window: the p99.9 of the ceiling and service alike.
    // In turn, every connection carries RATE/CONNECTIONS requests a second and none idles.
    HttpClient[] clients = new HttpClient[connections];
    for (int i = 0; i < connections; i++) {
      clients[i] = vertx.createHttpClient(options,
          new PoolOptions().setHttp1MaxSize(1).setMaxWaitQueueSize(-1));
    }
    Window[] measured = new Window[windows];
    for (int i = 0; i < windows; i++) {
      measured[i] = new Window();
    }
    long measuredSeconds = seconds * windows;
    // TIMELINE=1: the worst latency of each 100 ms of due times, to see when the tail happened.
    boolean timeline = "1".equals(System.getenv("TIMELINE"));
    long[] worstPerTick = new long[(int) ((measuredSeconds + warmupSeconds) * 10 + 1)];
    AtomicLong warmupErrors = new AtomicLong();
    // The first seconds warm this JVM and open its connections: sent, but not recorded.
    long warmup = TimeUnit.SECONDS.toNanos(warmupSeconds);
    long window = TimeUnit.SECONDS.toNanos(seconds);
    long total = rate * (measuredSeconds + warmupSeconds);
    CountDownLatch done = new CountDownLatch((int) total);
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
    long startMillis = System.currentTimeMillis() + 50;
    long interval = TimeUnit.SECONDS.toNanos(1) / rate;
    Sender send = (due, nth) -> clients[(int) (nth % connections)]
        .request(HttpMethod.POST, path).compose(request -> request
            .putHeader("Content-Type", "application/json")
            .putHeader("Authorization", "Bearer bench")
            .putHeader("X-Bench-Size", answerBytes).send(body))
        .compose(response -> response.body().map(b -> response.statusCode()))
        .onComplete(outcome -> {
          long answered = System.nanoTime();
          boolean failed = outcome.failed() || outcome.result() / 100 != 2;
          if (due >= start + warmup) {
            long took = answered - due;
            int windowIndex = (int) Math.min(windows - 1, (due - start - warmup) / window);
            measured[windowIndex].record(took, answered, failed);
            int tick = (int) ((due - start) / TimeUnit.MILLISECONDS.toNanos(100));
            synchronized (worstPerTick) {
              worstPerTick[tick] = Math.max(worstPerTick[tick], took);
            }
          } else if (failed) {
            warmupErrors.incrementAndGet();
          }
          done.countDown();
        });
    // Each request is sent when it is due, by a thread of its own that sleeps until then: a
    // Vert.x timer ticks once a millisecond at best (Netty's NIO selector waits in whole
    // milliseconds), so requests waited up to 1-2 ms for their tick, and that wait, the same for
    // any server, was most of every percentile (p50 0.6-0.8 ms for a server busy 20 us a
    // request), hiding the server's own share of the tail.
    Context sender = vertx.getOrCreateContext();
    Thread pacer = new Thread(() -> {
      for (long i = 0; i < total; i++) {
        long due = start + i * interval;
        for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
          LockSupport.parkNanos(wait);
        }
        long index = i;
        sender.runOnContext(ignored -> send.send(due, index));
      }
    }, "pacer");
    pacer.setDaemon(true);
    pacer.start();
    done.await(measuredSeconds + warmupSeconds + 60, TimeUnit.SECONDS);
    Histogram all = new Histogram(TimeUnit.SECONDS.toNanos(30), 3);
    long completed = 0;
    long errors = warmupErrors.get();
    long lastAnswer = start + warmup;
    long expected = (long) rate * seconds;
    for (int i = 0; i < windows; i++) {
      Window w = measured[i];
      synchronized (w) {
        long from = start + warmup + i * window;
        long to = Math.max(from + window, w.lastAnswer);
        // Requests still unanswered at the time-out count as errors of their window.
        long windowErrors = w.errors + (expected - w.completed);
        System.out.printf("WINDOW n=%d from=%d to=%d rps=%.0f p50=%.3f p99=%.3f p999=%.3f errors=%d%n",
            i + 1, startMillis + TimeUnit.NANOSECONDS.toMillis(from - start),
            startMillis + TimeUnit.NANOSECONDS.toMillis(to - start), w.completed / ((to - from) / 1e9),
            w.latency.getValueAtPercentile(50) / 1e6, w.latency.getValueAtPercentile(99) / 1e6,
            w.latency.getValueAtPercentile(99.9) / 1e6, windowErrors);
        all.add(w.latency);
        completed += w.completed;
        errors += windowErrors;
        lastAnswer = Math.max(lastAnswer, to);
      }
    }
    System.out.printf("RESULT rps=%.0f p50=%.3f p99=%.3f p999=%.3f errors=%d%n",
        completed / ((lastAnswer - start - warmup) / 1e9), all.getValueAtPercentile(50) / 1e6,
        all.getValueAtPercentile(99) / 1e6, all.getValueAtPercentile(99.9) / 1e6, errors);
    if (timeline) {
      for (int tick = (int) (warmupSeconds * 10); tick < worstPerTick.length; tick++) {
        System.err.printf("t=%.1fs worst=%.1fms%n", tick / 10.0, worstPerTick[tick] / 1e6);
      }
    }
    vertx.close();
    System.exit(0);
  }
}
