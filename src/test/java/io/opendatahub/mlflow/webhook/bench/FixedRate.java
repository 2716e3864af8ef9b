package io.opendatahub.mlflow.webhook.bench;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Open-loop load at a fixed rate for {@code bench/run.sh}: requests are due on a schedule, and
 * each latency counts from when its request was due, not when it could be sent, so a stalled
 * server shows up in the percentiles (no coordinated omission). Trusts any certificate, as wrk
 * does.
 *
 * <p>It measures several servers in one run, taking turns: WARMUP seconds of each (sent, not
 * recorded, in slices of SECONDS), then ROUNDS rounds of one window of SECONDS per server, the
 * order reversed every other round. Measured minutes apart, a server and the ceiling saw
 * different phases of the host's stalls (the ceiling's own p99 per 20 s window ranged 0.61-3.36
 * ms in one run), and those phases, not the servers, set their ratio. Taking turns every few
 * seconds puts both under the same phases. A server given as {@code name=port:pid} runs alone
 * while it is measured: the others are paused (SIGSTOP), since their background work (Lease
 * renewals, informers, JIT compilations) would run on the measured one's core, and resumed
 * (SIGCONT) for their own turn, which opens with 250 ms of unrecorded load; windows of a few
 * seconds keep a paused service within its Lease's renew deadline (10 s for builds before
 * 85addda), so it does not stop leading. The generator collects between turns ({@link
 * System#gc}), never inside a window.
 *
 * <p>Per window it prints {@code WINDOW side= n= from= to= rps= p50= p99= p999= errors=}: its
 * wall-clock milliseconds (from its first request's due time to its last answer, at least
 * SECONDS), so {@code bench/run.sh} can pick out what that server's GC, safepoint and JIT logs
 * recorded during it; then per server {@code RESULT side= ...} over all its windows. A request
 * belongs to the window it was due in.
 *
 * <p>usage: [TIMELINE=1] FixedRate NAME=PORT[:PID],... PATH BODY_FILE ANSWER_BYTES RATE SECONDS
 * [CONNECTIONS=16] [ROUNDS=1] [WARMUP=15]
 */
public final class FixedRate {

  // Sending at 2,000 req/s from a cold JVM keeps both cores of the bench machine busy with JIT
  // compilation for 8-10 s: with a 3 s warm-up the backlog of that time (a second and more)
  // landed in the measured window as the whole p99 (TIMELINE=1 showed it draining from t=3s).
  private static final long DEFAULT_WARMUP_SECONDS = 15;
  /**
   * A resumed server first runs what came due while it was paused (Lease renewal, polls): each
   * turn begins with this much load that is sent at the rate but not recorded.
   */
  private static final long SETTLE_MILLIS = 250;

  /** One server under load: its name in the output, its clients, its process if it pauses. */
  private record Target(String name, long pid, HttpClient[] clients, Window all) {

    static Target parse(String spec, Vertx vertx, HttpClientOptions options, int connections) {
      int equals = spec.indexOf('=');
      String name = equals < 0 ? "server" : spec.substring(0, equals);
      String[] portAndPid = spec.substring(equals + 1).split(":");
      HttpClientOptions own = new HttpClientOptions(options)
          .setDefaultPort(Integer.parseInt(portAndPid[0]));
      // One client of one connection each, taken in turn, rather than one pool of CONNECTIONS:
      // the pool opened all of them in the warm-up's backlog, then left some unused for 30 s, so
      // the server's idle timeout closed one mid-run and the pool opened another. That
      // reconnection's handshake, and the JIT compilations it set off in both JVMs, was a 20-80
      // ms stall in a window: the p99.9 of the ceiling and service alike. In turn, every
      // connection carries RATE/CONNECTIONS requests a second and none idles.
      HttpClient[] clients = new HttpClient[connections];
      for (int i = 0; i < connections; i++) {
        clients[i] = vertx.createHttpClient(own,
            new PoolOptions().setHttp1MaxSize(1).setMaxWaitQueueSize(-1));
      }
      long pid = portAndPid.length > 1 ? Long.parseLong(portAndPid[1]) : -1;
      return new Target(name, pid, clients, new Window());
    }

    void signal(String signal) throws IOException, InterruptedException {
      if (pid > 0) {
        new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start().waitFor();
      }
    }
  }

  /** What one window (or a server's whole run) recorded; guarded by the instance's monitor. */
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

  /** A turn of one server: SECONDS of requests, measured as window {@code round} or not. */
  private record Turn(Target target, int round, boolean measured) {}

  public static void main(String[] args) throws Exception {
    String path = args[1];
    Buffer body = Buffer.buffer(Files.readAllBytes(Path.of(args[2])));
    String answerBytes = args[3];
    int rate = Integer.parseInt(args[4]);
    long seconds = Long.parseLong(args[5]);
    int connections = args.length > 6 ? Integer.parseInt(args[6]) : 16;
    int rounds = args.length > 7 ? Integer.parseInt(args[7]) : 1;
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
        .setDefaultHost("127.0.0.1");
    List<Target> targets = new ArrayList<>();
    for (String spec : args[0].split(",")) {
      targets.add(Target.parse(spec, vertx, options, connections));
    }
    List<Turn> turns = new ArrayList<>();
    long slices = Math.max(1, (warmupSeconds + seconds - 1) / seconds);
    for (int slice = 0; slice < slices; slice++) {
      for (Target target : inTurn(targets, slice)) {
        turns.add(new Turn(target, slice, false));
      }
    }
    for (int round = 0; round < rounds; round++) {
      for (Target target : inTurn(targets, round)) {
        turns.add(new Turn(target, round + 1, true));
      }
    }
    boolean timeline = "1".equals(System.getenv("TIMELINE"));
    long interval = TimeUnit.SECONDS.toNanos(1) / rate;
    long perTurn = rate * seconds;
    long settle = rate * SETTLE_MILLIS / 1000;
    long warmupErrors = 0;
    Context sender = vertx.getOrCreateContext();
    try {
      for (Turn turn : turns) {
        for (Target other : targets) {
          if (other != turn.target()) {
            other.signal("STOP");
          }
        }
        turn.target().signal("CONT");
        Window window = run(turn, sender, path, body, answerBytes, interval, settle, perTurn,
            seconds, timeline);
        if (!turn.measured()) {
          warmupErrors += window.errors + (perTurn - window.completed);
        }
        // The next turn's requests must not wait for this turn's garbage.
        System.gc();
      }
    } finally {
      for (Target target : targets) {
        target.signal("CONT");
      }
    }
    for (Target target : targets) {
      Window all = target.all();
      synchronized (all) {
        System.out.printf("RESULT side=%s requests=%d p50=%.3f p99=%.3f p999=%.3f errors=%d%n",
            target.name(), all.completed, all.latency.getValueAtPercentile(50) / 1e6,
            all.latency.getValueAtPercentile(99) / 1e6,
            all.latency.getValueAtPercentile(99.9) / 1e6, all.errors);
      }
    }
    System.out.printf("WARMUP errors=%d%n", warmupErrors);
    vertx.close();
    System.exit(0);
  }

  /** The targets in this round's order: the first round as given, the next reversed, and so on. */
  private static List<Target> inTurn(List<Target> targets, int round) {
    List<Target> order = new ArrayList<>(targets);
    if (round % 2 == 1) {
      Collections.reverse(order);
    }
    return order;
  }

  /**
   * One turn's requests to {@code target}: {@code settle} unrecorded, then {@code count} that
   * make its window; all answered (or timed out) when it returns.
   */
  private static Window run(Turn turn, Context sender, String path, Buffer body,
      String answerBytes, long interval, long settle, long count, long seconds, boolean timeline)
      throws InterruptedException {
    Target target = turn.target();
    boolean measured = turn.measured();
    Window window = new Window();
    HttpClient[] clients = target.clients();
    CountDownLatch done = new CountDownLatch((int) (settle + count));
    long[] worstPerTick = new long[(int) (seconds * 10 + 1)];
    long settleNanos = settle * interval;
    long begin = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(10);
    long start = begin + settleNanos;
    long startMillis = System.currentTimeMillis() + 10 + TimeUnit.NANOSECONDS.toMillis(settleNanos);
    // Each request is sent when it is due, by this thread, which sleeps until then: a Vert.x
    // timer ticks once a millisecond at best (Netty's NIO selector waits in whole milliseconds),
    // so requests waited up to 1-2 ms for their tick, and that wait, the same for any server, was
    // most of every percentile (p50 0.6-0.8 ms for a server busy 20 us a request), hiding the
    // server's own share of the tail.
    for (long i = 0; i < settle + count; i++) {
      long due = begin + i * interval;
      boolean recorded = i >= settle;
      for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
        LockSupport.parkNanos(wait);
      }
      HttpClient client = clients[(int) (i % clients.length)];
      sender.runOnContext(ignored -> client.request(HttpMethod.POST, path)
          .compose(request -> request
              .putHeader("Content-Type", "application/json")
              .putHeader("Authorization", "Bearer bench")
              .putHeader("X-Bench-Size", answerBytes).send(body))
          .compose(response -> response.body().map(b -> response.statusCode()))
          .onComplete(outcome -> {
            if (recorded) {
              long answered = System.nanoTime();
              long took = answered - due;
              boolean failed = outcome.failed() || outcome.result() / 100 != 2;
              window.record(took, answered, failed);
              if (measured) {
                target.all().record(took, answered, failed);
              }
              int tick = (int) Math.min(worstPerTick.length - 1,
                  (due - start) / TimeUnit.MILLISECONDS.toNanos(100));
              synchronized (worstPerTick) {
                worstPerTick[tick] = Math.max(worstPerTick[tick], took);
              }
            }
            done.countDown();
          }));
    }
    done.await(seconds + 60, TimeUnit.SECONDS);
    if (measured) {
      synchronized (window) {
        long to = Math.max(start + TimeUnit.SECONDS.toNanos(seconds), window.lastAnswer);
        // Requests still unanswered at the time-out count as errors of their window.
        long errors = window.errors + (count - window.completed);
        System.out.printf(
            "WINDOW side=%s n=%d from=%d to=%d rps=%.0f p50=%.3f p99=%.3f p999=%.3f errors=%d%n",
            target.name(), turn.round(), startMillis,
            startMillis + TimeUnit.NANOSECONDS.toMillis(to - start),
            window.completed / ((to - start) / 1e9), window.latency.getValueAtPercentile(50) / 1e6,
            window.latency.getValueAtPercentile(99) / 1e6,
            window.latency.getValueAtPercentile(99.9) / 1e6, errors);
        synchronized (target.all()) {
          target.all().errors += count - window.completed;
        }
      }
    }
    if (timeline && measured) {
      for (int tick = 0; tick < worstPerTick.length - 1; tick++) {
        System.err.printf("side=%s n=%d t=%.1fs worst=%.1fms%n", target.name(), turn.round(),
            tick / 10.0, worstPerTick[tick] / 1e6);
      }
    }
    return window;
  }
}
