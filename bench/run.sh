#!/usr/bin/env bash
# Load benchmark of the packaged service against a ceiling (the smallest Vert.x TLS server,
# same TLS settings, JVM flags and event loops, answering as many bytes), in one run.
# Workloads: /validate allowed and denied, /mutate with a patch, an unrelated RoleBinding,
# /authorize and /authorize/mlflow with a cache hit.
#  1. Throughput: each workload at maximum load (wrk, fixed connections), PAIRS alternating
#     ceiling/service pairs; the figure is the median of the pairs' ratios.
#  2. Tail: service and ceiling restarted pinned to core 0 (taskset), the open-loop generator
#     pinned to core 1, TAIL_RATE req/s for TAIL_SECONDS after 15 s of warm-up, latency from each
#     request's due time; p50/p99/p99.9 of both and their ratios, and what the servers' GC,
#     safepoint and JIT logs recorded during the measured window.
# Every row records the load average: on a shared machine a figure means little without it.
# The service runs with the Dockerfile's JVM flags (read from its ENTRYPOINT) under a 512 MiB
# limit, a mock API server (namespace informer, TokenReview/SAR answers) and a class-data archive
# made by a training run; ready time is measured with and without the archive.
# usage: [WORKLOADS="validate-allowed ..."] [PAIRS=3] [TAIL_SECONDS=20] [TAIL_RATE=2000]
#          [READY_STARTS=3] [JVM_GC=-XX:+Use...GC] [JVM_EXTRA="-XX:..."] bench/run.sh [SECONDS=10] [CONNECTIONS=16]
#          [NAMESPACES=10] [ENVIRONMENTS=2]
# TAIL_SECONDS=0 skips the tail, PAIRS=0 the throughput. JVM_GC replaces the Dockerfile's
# collector and JVM_EXTRA adds flags, for both servers. ENVIRONMENTS above 2 adds environments that match no
# namespace ahead of the shipped two, so each MLflow review classifies every namespace.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-10}"; conns="${2:-16}"; namespaces="${3:-10}"; environments="${4:-2}"
workloads="${WORKLOADS:-validate-allowed validate-apiserver validate-denied mutate-patch rolebinding-unrelated authorize-cache-hit authorize-mlflow-cache-hit}"
pairs="${PAIRS:-3}"; tail_secs="${TAIL_SECONDS:-20}"; tail_rate="${TAIL_RATE:-2000}"

if ! command -v wrk >/dev/null; then
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
mvn -B -q -DskipTests package dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
certs/generate-dev-certs.sh >/dev/null
out=target/bench
rm -rf "$out" && mkdir -p "$out"
cp="target/classes:target/test-classes:$(cat target/bench.classpath)"
# The Dockerfile's JVM flags (all -XX: flags of its ENTRYPOINT but the archive, which is made
# here) under the Deployment's 512Mi memory limit. The limit is what makes the JVM in the pod
# choose its collector, so the flags must name one for this machine to run the same.
mapfile -t docker_flags < <(sed -n '/^ENTRYPOINT/,/]$/p' Dockerfile | grep -o '"-XX:[^"]*"' \
  | tr -d '"' | grep -v SharedArchiveFile)
# JVM_GC=-XX:+UseG1GC (say) replaces the Dockerfile's collector, to compare collectors.
if [[ -n "${JVM_GC:-}" ]]; then
  mapfile -t docker_flags < <(printf '%s\n' "${docker_flags[@]}" | grep -v 'GC$'); docker_flags+=("$JVM_GC")
fi
# shellcheck disable=SC2206 # JVM_EXTRA is a list of flags
jvm=(-XX:MaxRAM=512m "${docker_flags[@]}" ${JVM_EXTRA:-})
quiet=-Dlogback.configurationFile=bench/logback-quiet.xml
# Another run on this machine may hold the usual ports: take free ones.
free_port() {
  local port
  while :; do
    port=$(( 20000 + RANDOM % 20000 ))
    ss -ltn | grep -q ":$port " || { echo "$port"; return; }
  done
}
sport=$(free_port); cport=$(free_port)
while [[ "$cport" == "$sport" ]]; do cport=$(free_port); done
load() { cut -d' ' -f1 /proc/loadavg; }
# Prefixes, not functions: a background function would leave $! naming a subshell, not the JVM.
if command -v taskset >/dev/null; then
  core0=(taskset -c 0); core1=(taskset -c 1)
  pinning="server on core 0, generator on core 1 (taskset)"
else
  core0=(); core1=()
  pinning="NOT pinned: taskset (util-linux) is missing, so generator and server share the cores"
  echo "WARNING: $pinning" >&2
fi

java -cp "$cp" "$quiet" io.opendatahub.mlflow.webhook.bench.BenchEnvironment "$out" "$namespaces" \
  "$environments" > "$out/environment.log" 2>&1 &
pids=($!)
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
until [[ -s "$out/kubeconfig" && -s "$out/authorize-cache-hit.json" ]]; do sleep 0.2; done

policy=policies; [[ "$environments" -gt 2 ]] && policy="$out/policy"
serve() { # pinned|free, extra JVM flags...: starts the service, sets $service and $ready_ms
  local started prefix=(); [[ "$1" == pinned ]] && prefix=("${core0[@]}"); shift
  started=$(date +%s%N)
  local command=("${prefix[@]}" java "${jvm[@]}" "$@" -jar target/mlflow-policy-webhook.jar
    serve --kube auto --port "$sport" --policy "$policy")
  KUBECONFIG="$out/kubeconfig" LOG_LEVEL=WARN "${command[@]}" > "$out/service.log" 2>&1 &
  service=$!
  echo "$service" > "$out/service.pid"
  until curl -sf --cacert certs/ca.crt "https://localhost:$sport/readyz" >/dev/null; do
    kill -0 "$service" 2>/dev/null || { cat "$out/service.log" >&2; exit 1; }
    sleep 0.01
  done
  ready_ms=$(( ($(date +%s%N) - started) / 1000000 ))
}
ceiling() { # pinned|free, extra JVM flags...: starts the ceiling, sets $ceiling
  local prefix=(); [[ "$1" == pinned ]] && prefix=("${core0[@]}"); shift
  local command=("${prefix[@]}" java "${jvm[@]}" "$@" -cp "$cp" "$quiet"
    io.opendatahub.mlflow.webhook.bench.CeilingServer "$cport" certs/tls.crt certs/tls.key)
  "${command[@]}" > "$out/ceiling.log" 2>&1 &
  ceiling=$!
  until grep -q listening "$out/ceiling.log"; do sleep 0.1; done
}
stop() { kill "$1"; wait "$1" || true; }

CDS_TRAINING_PORT=$(free_port) src/main/docker/class-data-archive.sh \
  target/mlflow-policy-webhook.jar "$out/service.jsa" certs/tls.crt certs/tls.key "${jvm[@]}" \
  > "$out/cds.log"
ready_plain=(); ready_cds=()
for _ in $(seq "${READY_STARTS:-3}"); do
  serve free; ready_plain+=("$ready_ms"); stop "$service"
  serve free -XX:SharedArchiveFile="$out/service.jsa"; ready_cds+=("$ready_ms"); stop "$service"
done

( peak=0; while [[ -s "$out/service.pid" ]]; do # follows the service across its restart
    rss=$(ps -o rss= -p "$(cat "$out/service.pid")" | tr -d ' ' || true)
    if [[ -n "$rss" && "$rss" -gt "$peak" ]]; then peak=$rss; echo "$peak" > "$out/peak_rss_kb"; fi
    sleep 0.2; done ) &
pids+=($!)

answer_bytes() { # path body -> how many bytes the service answers, for the ceiling to match
  curl -s --cacert certs/ca.crt -H 'Content-Type: application/json' \
    -H 'Authorization: Bearer bench' --data-binary @"$2" "https://localhost:$sport$1" | wc -c
}
path_of() {
  case "$1" in
    mutate-*) echo /mutate;; authorize-mlflow-*) echo /authorize/mlflow;;
    authorize-*) echo /authorize;; *) echo /validate;;
  esac
}
result() { # RESULT lines -> "rps p50 p99 p999 errors"
  sed -nE 's/RESULT rps=([0-9.]+) p50=([0-9.]+) p99=([0-9.]+) p999=([0-9.]+) errors=([0-9]+)/\1 \2 \3 \4 \5/p'
}
max_rate() { # port path body bytes seconds -> "rps p50 p99 p999 errors"
  BODY="$3" ANSWER_BYTES="$4" wrk -t2 -c"$conns" -d"$5"s -s bench/workload.lua \
    "https://127.0.0.1:$1$2" | result
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# --- 1. throughput: alternating pairs, median of the pairs' ratios ---------------------------
if [[ "$pairs" -gt 0 ]]; then
  serve free -XX:SharedArchiveFile="$out/service.jsa"; pids+=("$service")
  ceiling free; pids+=("$ceiling")
  {
    echo "| workload | ceiling req/s (median) | service req/s (median) | pair ratios | **median ratio** | service p50 / p99 ms (median) | ceiling p50 / p99 ms (median) | errors | load average |"
    echo "|---|---|---|---|---|---|---|---|---|"
  } > "$out/throughput.md"
  # JIT warm-up of every path first, so the first workload measured is not the one that pays it.
  for workload in $workloads; do
    body="$out/$workload.json"; path=$(path_of "$workload"); bytes=$(answer_bytes "$path" "$body")
    max_rate "$sport" "$path" "$body" "$bytes" 5 >/dev/null
    max_rate "$cport" "$path" "$body" "$bytes" 5 >/dev/null
  done
  for workload in $workloads; do
    body="$out/$workload.json"; path=$(path_of "$workload"); bytes=$(answer_bytes "$path" "$body")
    max_rate "$cport" "$path" "$body" "$bytes" 5 >/dev/null
    max_rate "$sport" "$path" "$body" "$bytes" 5 >/dev/null
    : > "$out/$workload.pairs"; loads=()
    for pair in $(seq "$pairs"); do
      loads+=("$(load)")
      # Which side goes first alternates too, so a drifting machine does not favour one.
      if (( pair % 2 )); then
        c=$(max_rate "$cport" "$path" "$body" "$bytes" "$secs"); s=$(max_rate "$sport" "$path" "$body" "$bytes" "$secs")
      else
        s=$(max_rate "$sport" "$path" "$body" "$bytes" "$secs"); c=$(max_rate "$cport" "$path" "$body" "$bytes" "$secs")
      fi
      read -r c_rps c_p50 c_p99 _ c_err <<< "$c"; read -r s_rps s_p50 s_p99 _ s_err <<< "$s"
      echo "$(ratio "$s_rps" "$c_rps") $c_rps $s_rps $s_p50 $s_p99 $c_p50 $c_p99 $((c_err + s_err))" >> "$out/$workload.pairs"
    done
    col() { awk -v c="$1" '{ print $c }' "$out/$workload.pairs" | median; }
    echo "| $workload | $(col 2) | $(col 3) | $(awk '{ print $1 }' "$out/$workload.pairs" | paste -sd' ') | **$(col 1)** | $(col 4) / $(col 5) | $(col 6) / $(col 7) | $(awk '{ e += $8 } END { print e }' "$out/$workload.pairs") | ${loads[*]} |" >> "$out/throughput.md"
  done
  stop "$ceiling"; stop "$service"
fi

# --- 2. tail: pinned, open loop, with what the logs saw during the window ----------------------
fixed_rate() { # port path body bytes log -> "rps p50 p99 p999 errors steal% from to"
  local before after run
  before=$(cpu_ticks)
  run=$("${core1[@]}" java -cp "$cp" "$quiet" io.opendatahub.mlflow.webhook.bench.FixedRate "$1" "$2" \
    "$3" "$4" "$tail_rate" "$tail_secs" 16 | tee "$5")
  after=$(cpu_ticks)
  # CPU time the hypervisor gave to others while this VM wanted it: a tail with high steal is
  # the machine's, not the service's.
  echo "$(result <<< "$run") $(awk -v b="$before" -v a="$after" 'BEGIN { split(b, x); split(a, y);
    printf "%.0f", 100 * (y[2] - x[2]) / (y[1] - x[1]) }') $(sed -nE 's/WINDOW from=([0-9]+) to=([0-9]+)/\1 \2/p' <<< "$run")"
}
cpu_ticks() { # "total steal" from the cpu line of /proc/stat
  awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t, $9 }' /proc/stat
}
events() { # log from to -> "GC pauses (total) / longest, longest other safepoint, JIT, KiB/request"
  awk -v from="$2" -v to="$3" -v rate="$tail_rate" -f bench/window-events.awk "$1" \
    | awk '{ printf "%d (%.1f ms) / %.1f ms, %.1f ms, %d, %s", $1, $2, $3, $4, $5, $6 }'
}
if [[ "$tail_secs" -gt 0 ]]; then
  logs=gc,safepoint,jit+compilation=debug
  serve pinned -XX:SharedArchiveFile="$out/service.jsa" \
    -Xlog:"$logs":file="$out/tail-service.jvm.log":timemillis,tags
  pids+=("$service")
  ceiling pinned -Xlog:"$logs":file="$out/tail-ceiling.jvm.log":timemillis,tags; pids+=("$ceiling")
  {
    echo "Tail: $tail_rate req/s open loop, $tail_secs s after 15 s of warm-up; $pinning."
    echo "Window events: GC pauses (their total) / longest GC pause, longest other safepoint, JIT compilations, KiB allocated per request (heap filled between the window's first and last collection, over the requests due meanwhile: only meaningful where the side kept up with the rate)."
    echo
    echo "| workload | service p50 / p99 / p99.9 ms | ceiling p50 / p99 / p99.9 ms | **p99 ratio** | **p99.9 ratio** | errors | service window events | ceiling window events | CPU steal % (ceiling/service) | load average |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
  } > "$out/tail.md"
  for workload in $workloads; do
    body="$out/$workload.json"; path=$(path_of "$workload"); bytes=$(answer_bytes "$path" "$body")
    l1=$(load)
    read -r c_rps c_p50 c_p99 c_p999 c_err c_steal c_from c_to < <(fixed_rate "$cport" "$path" "$body" "$bytes" "$out/tail-$workload-ceiling.txt")
    l2=$(load)
    read -r s_rps s_p50 s_p99 s_p999 s_err s_steal s_from s_to < <(fixed_rate "$sport" "$path" "$body" "$bytes" "$out/tail-$workload-service.txt")
    # A side that fell behind the rate or failed requests has no tail to compare: say so.
    if awk -v s="$s_rps" -v c="$c_rps" -v r="$tail_rate" -v e=$((s_err + c_err)) \
        'BEGIN { exit !(e > 0 || s < 0.95 * r || c < 0.95 * r) }'; then
      r99="n/a (behind: $c_rps / $s_rps req/s)"; r999="n/a"
    else
      r99=$(ratio "$s_p99" "$c_p99"); r999=$(ratio "$s_p999" "$c_p999")
    fi
    echo "| $workload | $s_p50 / $s_p99 / $s_p999 | $c_p50 / $c_p99 / $c_p999 | **$r99** | **$r999** | $((s_err + c_err)) | $(events "$out/tail-service.jvm.log" "$s_from" "$s_to") | $(events "$out/tail-ceiling.jvm.log" "$c_from" "$c_to") | $c_steal / $s_steal | $l1 / $l2 |" >> "$out/tail.md"
  done
fi
rm -f "$out/service.pid"

{
  [[ -s "$out/throughput.md" ]] && cat "$out/throughput.md" && echo
  [[ -s "$out/tail.md" ]] && cat "$out/tail.md" && echo
  echo "JVM flags of both servers: ${jvm[*]}"
  echo "ready (process start to /readyz 200, informer synced), ${READY_STARTS:-3} starts each: with the class-data" \
    "archive ${ready_cds[*]} ms, without ${ready_plain[*]} ms; $namespaces namespaces," \
    "$environments environments;" \
    "service peak RSS $(( $(cat "$out/peak_rss_kb" 2>/dev/null || echo 0) / 1024 )) MiB;" \
    "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(java -version 2>&1 | head -1)"
} > "$out/table.md"
cat "$out/table.md"
