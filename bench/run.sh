#!/usr/bin/env bash
# Load benchmark of the packaged service against a ceiling (the smallest Vert.x TLS server,
# same TLS settings, JVM flags and event loops, answering as many bytes), in one run.
# Workloads: /validate allowed and denied, /mutate with a patch, an unrelated RoleBinding,
# /authorize and /authorize/mlflow with a cache hit.
#  1. Throughput: each workload at maximum load (wrk, fixed connections), PAIRS alternating
#     ceiling/service pairs, after THROUGHPUT_WARMUP s of every workload on every side; the
#     figure is the median of the pairs' ratios.
#  2. Tail: service and ceiling restarted pinned to core 0 (taskset), the open-loop generator
#     (16 connections per server taken in turn) pinned to core 1, TAIL_RATE req/s; the servers
#     take turns: TAIL_WARMUP s of each, then TAIL_WINDOWS rounds of one TAIL_SECONDS window per
#     server, the others paused (SIGSTOP); latency from each request's due time; p50/p99/p99.9
#     of each side over all its windows and their ratios, the per-round ratios (median and
#     range), and what the servers' GC, safepoint and JIT logs recorded during their windows;
#     the generator collects between turns, and its GC pauses inside windows are shown too.
# BASELINE_JAR=old.jar: an older build measured in the same run, on its own port with the same
# JVM flags, kubeconfig and policy (BASELINE_POLICY=dir if its format differs) and a class-data
# archive of its own; pairs become ceiling/baseline/service triples (then the reverse order), the
# tail measures its windows too, and the tables give its ratios beside the service's.
# BASELINE_JVM_EXTRA="-XX:..." adds flags to the baseline alone (the last of a repeated -XX: flag
# wins), so BASELINE_JAR=<this tree's jar> measures a JVM flag against its absence in one run.
# Every row records the load average: on a shared machine a figure means little without it.
# The service runs with the Dockerfile's JVM flags (read from its ENTRYPOINT) under a 512 MiB
# limit, a mock API server (namespace informer, TokenReview/SAR answers) and a class-data archive
# made by a training run; ready time is measured with and without the archive.
# usage: [WORKLOADS="validate-allowed ..."] [PAIRS=3] [THROUGHPUT_WARMUP=20] [TAIL_SECONDS=4] [TAIL_WINDOWS=15]
#          [TAIL_WARMUP=40] [TAIL_RATE=2000] [PERF_SCHED=1] [READY_STARTS=3] [READY_SETTLE=3]
#          [BASELINE_JAR=old.jar] [BASELINE_JVM_EXTRA="-XX:..."]
#          [JVM_GC=-XX:+Use...GC] [JVM_EXTRA="-XX:..."]
#          bench/run.sh [SECONDS=10] [CONNECTIONS=16] [NAMESPACES=10] [ENVIRONMENTS=2]
# TAIL_SECONDS=0 skips the tail, PAIRS=0 the throughput. JVM_GC replaces the Dockerfile's
# collector and JVM_EXTRA adds flags, for every server. ENVIRONMENTS above 2 adds environments that match no
# namespace ahead of the shipped two, so each MLflow review classifies every namespace.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/common.sh
source bench/common.sh
secs="${1:-10}"; conns="${2:-16}"; namespaces="${3:-10}"; environments="${4:-2}"
workloads="${WORKLOADS:-validate-allowed validate-apiserver validate-denied mutate-patch rolebinding-unrelated authorize-cache-hit authorize-mlflow-cache-hit}"
# CEILING_LAYER=tokens (say) measures against one of CeilingServer's layers instead of the bare
# server: bench/layers.sh's names (bare router chain tokens tree front front-tokens front-tree;
# front-tokens is the service's own front, without the Router, reading JSON tokens).
ceiling_layer="${CEILING_LAYER:-bare}"
pairs="${PAIRS:-3}"; throughput_warmup="${THROUGHPUT_WARMUP:-20}"; tail_secs="${TAIL_SECONDS:-4}"; tail_rate="${TAIL_RATE:-2000}"
# 40 s of warm-up: for about 30 s after start the service's young pauses are 4-6 ms of root
# scanning (16 KB copied), then 1.2-2 ms; 15 s measured that transient in the first window.
# Windows of 4 s: with a baseline a server waits two turns, and builds before 85addda must renew
# their Lease within 10 s.
tail_windows="${TAIL_WINDOWS:-15}"; tail_warmup="${TAIL_WARMUP:-40}"
run_started=$(date +%s)

if ! command -v wrk >/dev/null; then
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
mvn -B -q -DskipTests package dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
certs/generate-dev-certs.sh >/dev/null
out=target/bench
rm -rf "$out" && mkdir -p "$out"
cp="target/classes:target/test-classes:$(cat target/bench.classpath)"
# The Dockerfile's JVM flags under the Deployment's 512Mi memory limit (JVM_GC= swaps the collector).
mapfile -t docker_flags < <(bench/dockerfile-flags.sh)
# shellcheck disable=SC2206 # JVM_EXTRA is a list of flags
jvm=(-XX:MaxRAM=512m "${docker_flags[@]}" ${JVM_EXTRA:-})
quiet=-Dlogback.configurationFile=bench/logback-quiet.xml
sport=$(free_port); cport=$(free_port)
while [[ "$cport" == "$sport" ]]; do cport=$(free_port); done
# Prefixes, not functions: a background function would leave $! naming a subshell, not the JVM.
if command -v taskset >/dev/null; then
  core0=(taskset -c 0); core1=(taskset -c 1)
  pinning="server on core 0, generator on core 1 (taskset)"
else
  core0=(); core1=()
  pinning="NOT pinned: taskset (util-linux) is missing, so generator and server share the cores"
  echo "WARNING: $pinning" >&2
fi

# The mock API server stays off core 0, where the tail's servers run alone: the measured one's
# Lease renewals and list/watch traffic are served on core 1, beside the generator.
"${core1[@]}" java -cp "$cp" "$quiet" io.opendatahub.mlflow.webhook.bench.BenchEnvironment "$out" \
  "$namespaces" "$environments" > "$out/environment.log" 2>&1 &
pids=($!)
# CONT first: a server paused by the tail would keep a TERM pending and outlive the run.
trap 'kill -CONT "${pids[@]}" 2>/dev/null || true; kill "${pids[@]}" 2>/dev/null || true' EXIT
until [[ -s "$out/kubeconfig" && -s "$out/authorize-cache-hit.json" ]]; do sleep 0.2; done

policy=policies; [[ "$environments" -gt 2 ]] && policy="$out/policy"
# The service under test is this tree's jar; with BASELINE_JAR an older build runs beside it on
# its own port, with the same JVM flags, kubeconfig and policy (BASELINE_POLICY= if its policy
# format differs) and a class-data archive of its own, made the same way.
baseline_jar="${BASELINE_JAR:-}"
if [[ -n "$baseline_jar" ]]; then
  [[ -s "$baseline_jar" ]] || { echo "BASELINE_JAR=$baseline_jar: no such jar" >&2; exit 1; }
  baseline_jar=$(realpath "$baseline_jar")
  bport=$(free_port)
  while [[ "$bport" == "$sport" || "$bport" == "$cport" ]]; do bport=$(free_port); done
  servers=(baseline service)
else
  bport=; servers=(service)
fi
serve() { # service|baseline pinned|free, extra JVM flags...: starts that jar, sets $started and $ready_ms
  local side="$1" start_ns prefix=() jar=target/mlflow-policy-webhook.jar port="$sport" serve_policy="$policy"
  [[ "$2" == pinned ]] && prefix=("${core0[@]}"); shift 2
  # Each leads a Lease of its own (the Lease is in POD_NAMESPACE): sharing one, the side that
  # started first would do the leader's background work (audit, reports, bindings) for both.
  local lease_namespace=mlflow-policy-webhook
  if [[ "$side" == baseline ]]; then
    jar="$baseline_jar"; port="$bport"; serve_policy="${BASELINE_POLICY:-$policy}"
    lease_namespace=mlflow-policy-webhook-baseline
    # shellcheck disable=SC2206 # a list of flags
    set -- "$@" ${BASELINE_JVM_EXTRA:-}
  fi
  start_ns=$(date +%s%N)
  local command=("${prefix[@]}" java "${jvm[@]}" "$@" -jar "$jar"
    serve --kube auto --port "$port" --policy "$serve_policy")
  KUBECONFIG="$out/kubeconfig" POD_NAMESPACE="$lease_namespace" LOG_LEVEL=WARN "${command[@]}" \
    > "$out/$side.log" 2>&1 &
  started=$!
  echo "$started" > "$out/$side.pid"
  until curl -sf --cacert certs/ca.crt "https://localhost:$port/readyz" >/dev/null; do
    kill -0 "$started" 2>/dev/null || { cat "$out/$side.log" >&2; exit 1; }
    sleep 0.01
  done
  ready_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
}
ceiling() { # pinned|free, extra JVM flags...: starts the ceiling, sets $ceiling
  local prefix=(); [[ "$1" == pinned ]] && prefix=("${core0[@]}"); shift
  local command=("${prefix[@]}" java "${jvm[@]}" "$@" -cp "$cp" "$quiet"
    io.opendatahub.mlflow.webhook.bench.CeilingServer "$cport" certs/tls.crt certs/tls.key
    "$ceiling_layer")
  # The last start's "listening" must not pass for this one's.
  rm -f "$out/ceiling.log"
  "${command[@]}" > "$out/ceiling.log" 2>&1 &
  ceiling=$!
  until grep -qs listening "$out/ceiling.log"; do sleep 0.1; done
}
stop() { kill "$1"; wait "$1" || true; }
# fabric8's mock API server (8.0.0) deadlocks its event loop for about 17.5 s when a client dies
# with watch events still queued to it (WatchEventsListener.onClosed awaits an executor whose task
# awaits a write on that same loop), and the next start then waits that long for its informer:
# that, not the service, was a 19.8 s "ready" start. Letting the service drain its start-up watch
# events first gave 18 of 18 starts at 1.4-2.8 s; a pause after the kill did not help. The bench's
# API server is now testing/CrudApiServer, which closes watches off the event loop; the settle
# stays so that each start is measured as it was when that was found.
settle_and_stop() { # side name: stops $started after a settle, keeps the side's log as $out/name.log
  sleep "${READY_SETTLE:-3}"; stop "$started"; cp "$out/$1.log" "$out/$2.log"
}

declare -A ready_plain ready_cds
for side in "${servers[@]}"; do
  jar=target/mlflow-policy-webhook.jar; [[ "$side" == baseline ]] && jar="$baseline_jar"
  CDS_TRAINING_PORT=$(free_port) src/main/docker/class-data-archive.sh \
    "$jar" "$out/$side.jsa" certs/tls.crt certs/tls.key "${jvm[@]}" > "$out/cds-$side.log"
  for n in $(seq "${READY_STARTS:-3}"); do
    serve "$side" free; ready_plain[$side]+=" $ready_ms"; settle_and_stop "$side" "$side-start-$n-plain"
    serve "$side" free -XX:SharedArchiveFile="$out/$side.jsa"; ready_cds[$side]+=" $ready_ms"
    settle_and_stop "$side" "$side-start-$n-cds"
  done
done

for side in "${servers[@]}"; do
  # Builtins only: a ps, cat and tr five times a second took about 2 ms of a core each time
  # (perf sched), on either core, the pinned server's included. VmHWM is the process's own peak
  # resident set, so one sample a second misses nothing.
  ( peak=0; while [[ ! -e "$out/done" ]]; do # follows the side across its restarts
      hwm=0; pid=
      [[ -s "$out/$side.pid" ]] && read -r pid < "$out/$side.pid"
      if [[ -n "$pid" ]]; then
        { while read -r key value _; do [[ "$key" == VmHWM: ]] && hwm=$value; done \
            < "/proc/$pid/status"; } 2>/dev/null || true
      fi
      if (( hwm > peak )); then peak=$hwm; echo "$peak" > "$out/$side.peak_rss_kb"; fi
      sleep 1; done ) &
  pids+=($!)
  # Off core 0, where the tail's servers run alone: its bash and sleep ran there in 100 ms ticks
  # of the tail (perf sched, issue 19 session 18), beside either server.
  if (( ${#core1[@]} )); then taskset -cp 1 "$!" >/dev/null; fi
done

answer_bytes() { # path body -> how many bytes the service answers, for the ceiling to match
  curl -s --cacert certs/ca.crt -H 'Content-Type: application/json' \
    -H 'Authorization: Bearer bench' --data-binary @"$2" "https://localhost:$sport$1" | wc -c
}
result() { # RESULT lines -> "rps p50 p99 p999 errors"
  sed -nE 's/RESULT rps=([0-9.]+) p50=([0-9.]+) p99=([0-9.]+) p999=([0-9.]+) errors=([0-9]+)/\1 \2 \3 \4 \5/p'
}
max_rate() { # port path body bytes seconds -> "rps p50 p99 p999 errors"
  BODY="$3" ANSWER_BYTES="$4" wrk -t2 -c"$conns" -d"$5"s -s bench/workload.lua \
    "https://127.0.0.1:$1$2" | result
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

port_of() { case "$1" in ceiling) echo "$cport";; baseline) echo "$bport";; *) echo "$sport";; esac; }
sides=(ceiling "${servers[@]}") # ceiling first; the order alternates below
reversed() { local i; for (( i = $#; i > 0; i-- )); do echo "${!i}"; done; }
pid_of() { if [[ "$1" == ceiling ]]; then echo "$ceiling"; else cat "$out/$1.pid"; fi; }
# The tail's servers share core 0; the generator pauses those not being measured (their Lease
# renewals, informers and JIT compilations would run on the measured one's core). It resumes
# them all when it ends; so does this, should it have died.
resume_all() { local side; for side in "${sides[@]}"; do kill -CONT "$(pid_of "$side")"; done; }

# --- 1. throughput: alternating pairs, median of the pairs' ratios ---------------------------
# With BASELINE_JAR each "pair" is a triple: ceiling, baseline, service, then the reverse, so
# before and after are measured in one run, interleaved, under the same load.
if [[ "$pairs" -gt 0 ]]; then
  for side in "${servers[@]}"; do
    serve "$side" free -XX:SharedArchiveFile="$out/$side.jsa"; pids+=("$started")
  done
  ceiling free; pids+=("$ceiling")
  {
    if [[ -n "$baseline_jar" ]]; then
      echo "| workload | ceiling req/s (median) | baseline req/s (median) | service req/s (median) | baseline pair ratios | **baseline median ratio** | service pair ratios | **service median ratio** | service / baseline (median) | service p50 / p99 ms (median) | baseline p50 / p99 ms (median) | ceiling p50 / p99 ms (median) | errors | load average |"
      echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    else
      echo "| workload | ceiling req/s (median) | service req/s (median) | pair ratios | **median ratio** | service p50 / p99 ms (median) | ceiling p50 / p99 ms (median) | errors | load average |"
      echo "|---|---|---|---|---|---|---|---|---|"
    fi
  } > "$out/throughput.md"
  # JIT warm-up of every path first, so the first workload measured is not the one that pays it,
  # and long enough that the pairs measure compiled code: the service's validate-allowed rate
  # still rose for about a minute of load (session 16: 24k, 35k, 44k, 53k req/s in its first
  # four 10 s runs), while the Kubernetes client's first requests on the same Netty code
  # deoptimised it; 5 s a workload measured the service's compiler, not its steady state.
  for workload in $workloads; do
    body="$out/$workload.json"; path=$(path_of "$workload"); bytes=$(answer_bytes "$path" "$body")
    for side in "${sides[@]}"; do max_rate "$(port_of "$side")" "$path" "$body" "$bytes" "$throughput_warmup" >/dev/null; done
  done
  declare -A r
  for workload in $workloads; do
    body="$out/$workload.json"; path=$(path_of "$workload"); bytes=$(answer_bytes "$path" "$body")
    for side in "${sides[@]}"; do max_rate "$(port_of "$side")" "$path" "$body" "$bytes" 5 >/dev/null; done
    : > "$out/$workload.pairs"; loads=()
    for pair in $(seq "$pairs"); do
      loads+=("$(load)")
      # Which side goes first alternates too, so a drifting machine does not favour one.
      if (( pair % 2 )); then order=("${sides[@]}"); else mapfile -t order < <(reversed "${sides[@]}"); fi
      for side in "${order[@]}"; do
        r[$side]=$(max_rate "$(port_of "$side")" "$path" "$body" "$bytes" "$secs")
      done
      read -r c_rps c_p50 c_p99 _ c_err <<< "${r[ceiling]}"; read -r s_rps s_p50 s_p99 _ s_err <<< "${r[service]}"
      b_rps=0; b_p50=0; b_p99=0; b_err=0
      [[ -n "$baseline_jar" ]] && read -r b_rps b_p50 b_p99 _ b_err <<< "${r[baseline]}"
      # columns: 1 service ratio, 2-7 req/s and latencies, 8 errors, 9 baseline ratio,
      # 10-12 baseline req/s and latencies, 13 service / baseline
      echo "$(ratio "$s_rps" "$c_rps") $c_rps $s_rps $s_p50 $s_p99 $c_p50 $c_p99 $((c_err + s_err + b_err))" \
        "$(ratio "$b_rps" "$c_rps") $b_rps $b_p50 $b_p99 $(ratio "$s_rps" "$b_rps")" >> "$out/$workload.pairs"
    done
    col() { awk -v c="$1" '{ print $c }' "$out/$workload.pairs" | median; }
    list() { awk -v c="$1" '{ print $c }' "$out/$workload.pairs" | paste -sd' '; }
    errors=$(awk '{ e += $8 } END { print e }' "$out/$workload.pairs")
    if [[ -n "$baseline_jar" ]]; then
      echo "| $workload | $(col 2) | $(col 10) | $(col 3) | $(list 9) | **$(col 9)** | $(list 1) | **$(col 1)** | $(col 13) | $(col 4) / $(col 5) | $(col 11) / $(col 12) | $(col 6) / $(col 7) | $errors | ${loads[*]} |"
    else
      echo "| $workload | $(col 2) | $(col 3) | $(list 1) | **$(col 1)** | $(col 4) / $(col 5) | $(col 6) / $(col 7) | $errors | ${loads[*]} |"
    fi >> "$out/throughput.md"
  done
  stop "$ceiling"
  for side in "${servers[@]}"; do stop "$(cat "$out/$side.pid")"; done
fi

# --- 2. tail: pinned, open loop, the servers taking turns, with what the logs saw meanwhile ---
# One generator run per workload measures every side in turn (FixedRate): TAIL_WARMUP s of each
# in slices, then TAIL_WINDOWS rounds of one TAIL_SECONDS window per side, the order reversed
# every other round, the sides not measured paused (SIGSTOP). Measured one after the other, in
# three 20 s windows each, the ceiling and the service saw different phases of the host's stalls
# (the ceiling's p99 per window ranged 0.61-3.36 ms in one run): the phases, not the servers, set
# the ratio. A few seconds a turn also keep a paused service inside its Lease's renew deadline
# (10 s before 85addda). The generator collects between turns, not inside a window (its young
# generation holds a turn's garbage, 32 KiB a request budgeted, touched before the run), and
# metaspace starts large enough that class loading triggers no full collection either.
generator_young_mib=$(( tail_rate * tail_secs * 32 / 1024 ))
(( generator_young_mib < 1024 )) && generator_young_mib=1024
generator_jvm=(-XX:+UseSerialGC "-Xmn${generator_young_mib}m" "-Xms$(( generator_young_mib + 256 ))m"
  "-Xmx$(( generator_young_mib + 256 ))m" -XX:MetaspaceSize=128m -XX:+AlwaysPreTouch)
fixed_rate() { # targets path body bytes output -> CPU steal % over the run; WINDOW lines to output
  local before after
  before=$(cpu_ticks)
  # The timeline (the worst latency of each 100 ms of each window) is kept, to line a spike up
  # with the logs; PERF_SCHED=1 also records every context switch of both cores (perf sched,
  # about 3 MB a second) with the offset from its monotonic clock to the wall clock of the logs.
  local perf=()
  if [[ "${PERF_SCHED:-0}" == 1 ]]; then
    python3 -c 'import time; print(time.time() - time.monotonic())' > "${5%.txt}.clock-offset"
    perf=(perf sched record -k monotonic -C 0,1 -o "${5%.txt}.perf.data" --)
  fi
  TIMELINE=1 "${perf[@]}" "${core1[@]}" java "${generator_jvm[@]}" \
    "-Xlog:gc,safepoint:file=${5%.txt}.generator.log:timemillis,tags" \
    -cp "$cp" "$quiet" io.opendatahub.mlflow.webhook.bench.FixedRate "$1" "$2" \
    "$3" "$4" "$tail_rate" "$tail_secs" 16 "$tail_windows" "$tail_warmup" > "$5" \
    2> "${5%.txt}.timeline.txt"
  after=$(cpu_ticks)
  # CPU time the hypervisor gave to others while this VM wanted it: a tail with high steal is
  # the machine's, not the service's.
  awk -v b="$before" -v a="$after" 'BEGIN { split(b, x); split(a, y);
    printf "%.0f\n", 100 * (y[2] - x[2]) / (y[1] - x[1]) }'
}
cpu_ticks() { # "total steal" from the cpu line of /proc/stat
  awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t, $9 }' /proc/stat
}
windows_of() { # FixedRate-output side -> "n from to rps p50 p99 p999 errors", one line per window
  sed -nE "s/^WINDOW side=$2 n=([0-9]+) from=([0-9]+) to=([0-9]+) rps=([0-9.]+) p50=([0-9.]+) p99=([0-9.]+) p999=([0-9.]+) errors=([0-9]+)\$/\1 \2 \3 \4 \5 \6 \7 \8/p" "$1"
}
pooled_of() { # FixedRate-output side -> "p50 p99 p999 errors" over all the side's windows
  sed -nE "s/^RESULT side=$2 requests=[0-9]+ p50=([0-9.]+) p99=([0-9.]+) p999=([0-9.]+) errors=([0-9]+)\$/\1 \2 \3 \4/p" "$1"
}
raw_events() { # log from to -> window-events.awk's six fields
  awk -v from="$2" -v to="$3" -v rate="$tail_rate" -f bench/window-events.awk "$1"
}
events() { # log from to -> "GC pauses (total) / longest, longest other safepoint, JIT, KiB/request"
  raw_events "$@" | awk '{ printf "%d (%.1f ms) / %.1f ms, %.1f ms, %d, %s", $1, $2, $3, $4, $5, $6 }'
}
generator_pauses() { # FixedRate-output side -> "GC pauses (total) / longest" of the generator in that side's windows
  windows_of "$1" "$2" | while read -r _ from to _; do raw_events "${1%.txt}.generator.log" "$from" "$to"; done |
    awk '{ n += $1; t += $2; if ($3 > l) l = $3 } END { printf "%d (%.1f ms) / %.1f ms", n, t, l }'
}
summed_events() { # side FixedRate-output -> events summed over the side's windows (its log's own)
  local log="$out/tail-$1.jvm.log"
  windows_of "$2" "$1" | while read -r _ from to _; do raw_events "$log" "$from" "$to"; done | awk '
    { n += $1; t += $2; if ($3 > l) l = $3; if ($4 > s) s = $4; j += $5; if ($6 != "-") { k += $6; m++ } }
    END { printf "%d (%.1f ms) / %.1f ms, %.1f ms, %d, %s", n, t, l, s, j, (m ? sprintf("%.1f", k / m) : "-") }'
}
# A server's windows against the ceiling's of the same round (adjacent in time) -> "p99-ratio
# p99.9-ratio", each "median [min-max]" over the rounds where both kept up with the rate.
per_round() { # FixedRate-output server
  join <(windows_of "$1" "$2" | sort -k1,1) <(windows_of "$1" ceiling | sort -k1,1) | awk -v rate="$tail_rate" -v rounds="$tail_windows" '
    function median(a, n,   i, j, t) {
      for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
      return n == 0 ? 0 : (n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2)
    }
    function spread(a, n,   lo, hi, i) {
      if (n == 0) return "n/a (" rounds " of " rounds " behind)"
      lo = a[1]; hi = a[1]; for (i = 2; i <= n; i++) { if (a[i] < lo) lo = a[i]; if (a[i] > hi) hi = a[i] }
      return sprintf("%.2f [%.2f-%.2f]%s", median(a, n), lo, hi, n < rounds ? " (" rounds - n " behind)" : "")
    }
    # fields: 1 round, 2-8 the server window (from to rps p50 p99 p999 errors), 9-15 the ceiling window
    $8 + $15 == 0 && $4 >= 0.95 * rate && $11 >= 0.95 * rate && $13 > 0 && $14 > 0 {
      k++; r99[k] = $6 / $13; r999[k] = $7 / $14
    }
    END { printf "%s\t%s\n", spread(r99, k), spread(r999, k) }'
}
if [[ "$tail_secs" -gt 0 ]]; then
  logs=gc,safepoint,jit+compilation=debug
  for side in "${servers[@]}"; do
    serve "$side" pinned -XX:SharedArchiveFile="$out/$side.jsa" \
      "-Xlog:$logs:file=$out/tail-$side.jvm.log:timemillis,tags"
    pids+=("$started")
  done
  ceiling pinned "-Xlog:$logs:file=$out/tail-ceiling.jvm.log:timemillis,tags"; pids+=("$ceiling")
  {
    echo "Tail: $tail_rate req/s open loop; per workload each side warmed $tail_warmup s, then $tail_windows rounds of one $tail_secs s window per side, taking turns (order reversed every other round), the others paused; $pinning."
    echo "Percentiles pool every window of a side; the pooled ratios divide the server's by the ceiling's. Per round: the server's window against the ceiling's of the same round, median [range] over the rounds where both kept up with the rate."
    echo "Generator: $generator_young_mib MiB young generation, collecting between turns; its GC pauses inside the windows are counted (count (total) / longest)."
    echo "Window events, summed over the side's windows: GC pauses (their total) / longest GC pause, longest other safepoint, JIT compilations, KiB allocated per request (heap filled between a window's first and last collection over the requests due meanwhile, averaged over the windows with two collections or more)."
    echo
    echo "| workload | server | server p50 / p99 / p99.9 ms | ceiling p50 / p99 / p99.9 ms | **p99 ratio** | **p99.9 ratio** | per round: p99 ratio | per round: p99.9 ratio | errors | server window events | ceiling window events | generator GC pauses (ceiling / server) | CPU steal % | load average |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  } > "$out/tail.md"
  {
    echo "| workload | round | side | p50 / p99 / p99.9 ms | req/s | errors | window events |"
    echo "|---|---|---|---|---|---|---|"
  } > "$out/tail-windows.md"
  turn=0
  for workload in $workloads; do
    body="$out/$workload.json"; path=$(path_of "$workload"); bytes=$(answer_bytes "$path" "$body")
    # Which side goes first alternates from one workload to the next.
    if (( turn++ % 2 == 0 )); then tail_order=("${sides[@]}"); else mapfile -t tail_order < <(reversed "${sides[@]}"); fi
    targets=$(for side in "${tail_order[@]}"; do echo "$side=$(port_of "$side"):$(pid_of "$side")"; done | paste -sd,)
    tail_load=$(load)
    result="$out/tail-$workload.txt"
    steal=$(fixed_rate "$targets" "$path" "$body" "$bytes" "$result")
    resume_all
    for side in "${sides[@]}"; do
      windows_of "$result" "$side" | while read -r n from to rps p50 p99 p999 errors; do
        echo "| $workload | $n | $side | $p50 / $p99 / $p999 | $rps | $errors | $(events "$out/tail-$side.jvm.log" "$from" "$to") |"
      done
    done | sort -t'|' -k3,3n -s >> "$out/tail-windows.md"
    read -r c_p50 c_p99 c_p999 c_errors < <(pooled_of "$result" ceiling)
    for side in "${servers[@]}"; do
      read -r s_p50 s_p99 s_p999 s_errors < <(pooled_of "$result" "$side")
      IFS=$'\t' read -r r99 r999 < <(per_round "$result" "$side")
      echo "| $workload | $side | $s_p50 / $s_p99 / $s_p999 | $c_p50 / $c_p99 / $c_p999 | **$(ratio "$s_p99" "$c_p99")** | **$(ratio "$s_p999" "$c_p999")** | $r99 | $r999 | $((s_errors + c_errors)) | $(summed_events "$side" "$result") | $(summed_events ceiling "$result") | $(generator_pauses "$result" ceiling) / $(generator_pauses "$result" "$side") | $steal | $tail_load |" >> "$out/tail.md"
    done
  done
fi
touch "$out/done"

{
  [[ -s "$out/throughput.md" ]] && cat "$out/throughput.md" && echo
  [[ -s "$out/tail.md" ]] && cat "$out/tail.md" && echo
  [[ -s "$out/tail-windows.md" ]] && echo "Each window:" && echo && cat "$out/tail-windows.md" && echo
  echo "JVM flags of every server: ${jvm[*]}"
  [[ -n "$baseline_jar" && -n "${BASELINE_JVM_EXTRA:-}" ]] && echo "baseline alone also: $BASELINE_JVM_EXTRA"
  echo "ceiling layer: $ceiling_layer"
  for side in "${servers[@]}"; do
    if [[ -n "${ready_cds[$side]:-}" ]]; then
      ready="ready (process start to /readyz 200, informer synced), ${READY_STARTS:-3} starts each: with its class-data archive${ready_cds[$side]} ms, without${ready_plain[$side]} ms"
    else
      ready="ready not measured (READY_STARTS=0)"
    fi
    echo "$side ($( [[ "$side" == baseline ]] && echo "$baseline_jar" || echo "this tree's jar")): $ready;" \
      "peak RSS $(( $(cat "$out/$side.peak_rss_kb" 2>/dev/null || echo 0) / 1024 )) MiB"
  done
  echo "$namespaces namespaces, $environments environments;" \
    "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(java -version 2>&1 | head -1);" \
    "run time $(( ($(date +%s) - run_started) / 60 )) min $(( ($(date +%s) - run_started) % 60 )) s"
} > "$out/table.md"
cat "$out/table.md"
