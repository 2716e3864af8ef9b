#!/usr/bin/env bash
# A/B of two service jars on one bench/run.sh workload, in situ: both serve at once against one
# mock API server with the Dockerfile's heap flags; PAIRS alternating wrk runs (order swapped
# every pair, load average per row), then a 20 s JFR recording of each (JFR=0 skips it).
# Build the old jar from the old commit first (mvn -B -o -q -DskipTests package; copy the jar).
# For ratios to the ceiling over every workload, bench/run.sh with BASELINE_JAR does the same A/B.
# CPU per request is the server process's user+system time over the wrk run divided by the requests
# answered: steadier than throughput on a shared machine, since it does not depend on how much of
# the cores the scheduler gave the server.
# usage: [WORKLOAD=mutate-patch] [JFR=1] [ALLOC=1] [ALLOC_PAIRS=2] [ALLOC_SECONDS=8] [CPU=process|loop] [WARM=5]
#          bench/ab.sh OLD_JAR NEW_JAR [PAIRS=5] [SECONDS=8]
set -euo pipefail
old_jar=$1; new_jar=$2; pairs=${3:-5}; secs=${4:-8}; workload=${WORKLOAD:-mutate-patch}
cd "$(dirname "$0")/.."
mvn -B -o -q -DskipTests test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
[[ -s certs/tls.crt ]] || certs/generate-dev-certs.sh >/dev/null
out=target/ab; rm -rf "$out"; mkdir -p "$out"
cp="target/classes:target/test-classes:$(cat target/bench.classpath)"
quiet=-Dlogback.configurationFile=bench/logback-quiet.xml
# shellcheck source=bench/common.sh
source bench/common.sh
mapfile -t docker_flags < <(bench/dockerfile-flags.sh)
jvm=(-XX:FlightRecorderOptions=stackdepth=256 -XX:MaxRAM=512m "${docker_flags[@]}")
java -cp "$cp" "$quiet" io.opendatahub.mlflow.webhook.bench.BenchEnvironment "$out" 10 2 > "$out/environment.log" 2>&1 &
pids=($!)
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
until [[ -s "$out/kubeconfig" && -s "$out/authorize-cache-hit.json" ]]; do sleep 0.2; done
declare -A port pid
for side in old new; do
  jar=$old_jar; [[ $side == new ]] && jar=$new_jar
  port[$side]=$(free_port)
  KUBECONFIG="$out/kubeconfig" LOG_LEVEL=WARN java "${jvm[@]}" -jar "$jar" serve --kube auto \
    --port "${port[$side]}" --policy policies > "$out/$side.log" 2>&1 &
  pid[$side]=$!; pids+=($!)
  until curl -sf --cacert certs/ca.crt "https://localhost:${port[$side]}/readyz" >/dev/null; do sleep 0.1; done
done
body="$out/$workload.json"
path=$(path_of "$workload")
for side in old new; do
  curl -s --cacert certs/ca.crt -H 'Content-Type: application/json' \
    -H 'Authorization: Bearer bench' --data-binary @"$body" "https://localhost:${port[$side]}$path" > "$out/$side.answer.json"
done
cmp "$out/old.answer.json" "$out/new.answer.json" && echo "answers identical: $(wc -c < "$out/new.answer.json") bytes"
bytes=$(wc -c < "$out/new.answer.json")
# CPU=loop counts only the event-loop threads (utime + stime: fields 14-15, read after the thread
# name's closing parenthesis so a name with spaces cannot shift them): on a loaded machine the
# JIT's compiler threads, still warming up, otherwise weigh on the first pairs.
cpu_ticks() {
  if [[ ${CPU:-process} == loop ]]; then
    cat /proc/"$1"/task/*/stat 2>/dev/null | awk 'match($0, /.*\) /) && substr($0, 1, RLENGTH) ~ /\(vert\.x-eventloo/ {
      split(substr($0, RLENGTH + 1), f, " "); s += f[12] + f[13] } END { print s + 0 }'
  else
    awk '{ print $14 + $15 }' "/proc/$1/stat"
  fi
}
# prints: req/s p50 p99 errors CPU-µs-per-request
run() {
  local t0 t1 result
  t0=$(cpu_ticks "${pid[$1]}")
  result=$(BODY="$body" ANSWER_BYTES="$bytes" wrk -t"${threads:-2}" -c"${connections:-16}" -d"$2"s -s bench/workload.lua \
    "https://127.0.0.1:${port[$1]}$path" | sed -nE 's/RESULT rps=([0-9.]+) p50=([0-9.]+) p99=([0-9.]+) p999=([0-9.]+) errors=([0-9]+)/\1 \2 \3 \5/p')
  t1=$(cpu_ticks "${pid[$1]}")
  echo "$result $(awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v r="${result%% *}" -v s="$2" \
    'BEGIN { printf "%.1f", t * 1e6 / hz / (r * s) }')"
}
for side in old new old new; do run "$side" "${WARM:-5}" > /dev/null; done
echo "| pair | order | old req/s | new req/s | new/old | old CPU µs/request | new CPU µs/request | new/old CPU | old p50/p99 ms | new p50/p99 ms | errors | load average |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for i in $(seq "$pairs"); do
  if (( i % 2 )); then first=old; second=new; else first=new; second=old; fi
  l1=$(load); declare -A r; r[$first]=$(run $first "$secs"); r[$second]=$(run $second "$secs"); l2=$(load)
  read -r o_rps o_p50 o_p99 o_err o_cpu <<< "${r[old]}"; read -r n_rps n_p50 n_p99 n_err n_cpu <<< "${r[new]}"
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
  echo "| $i | $first first | $o_rps | $n_rps | $(ratio "$n_rps" "$o_rps") | $o_cpu | $n_cpu | $(ratio "$n_cpu" "$o_cpu") | $o_p50 / $o_p99 | $n_p50 / $n_p99 | $((o_err + n_err)) | $l1 / $l2 |"
done
if [[ "${JFR:-1}" == 1 ]]; then
  for side in old new; do
    jcmd "${pid[$side]}" JFR.start name=warm settings=profile duration=3s > /dev/null; run "$side" 4 > /dev/null; sleep 1
    l1=$(cut -d' ' -f1 /proc/loadavg)
    jcmd "${pid[$side]}" JFR.start name=p settings=profile filename="$out/$side.jfr" > /dev/null
    run "$side" 20 > "$out/$side.jfr-run.txt"
    jcmd "${pid[$side]}" JFR.stop name=p > /dev/null
    echo "JFR $side: $(cat "$out/$side.jfr-run.txt") load $l1 / $(cut -d' ' -f1 /proc/loadavg)"
  done
fi
# Allocation per request (ALLOC=0 skips): ALLOC_PAIRS alternating wrk runs of each jar (as the
# pairs above, ALLOC_SECONDS each) inside a JFR recording; JFR's jdk.ThreadAllocationStatistics
# (each thread's exact allocation total, not samples) of the event loops at the recording's start
# and end, over the requests wrk had answered. wrk keeps ALLOC_CONNECTIONS (default 1) requests in
# flight: with one, every request is one read and one write whatever the machine's load (with 16,
# how many requests share a read and a flush depends on it, and so does allocation per request).
alloc_of() { # side seconds -> "KiB/request req/s"
  local rps
  jcmd "${pid[$1]}" JFR.start name=alloc settings=default filename="$out/$1.alloc.jfr" > /dev/null
  rps=$(threads=1 connections="${ALLOC_CONNECTIONS:-1}" run "$1" "$2" | cut -d' ' -f1)
  jcmd "${pid[$1]}" JFR.stop name=alloc > /dev/null
  jfr print --events jdk.ThreadAllocationStatistics "$out/$1.alloc.jfr" | awk -v req="$(awk -v r="$rps" -v s="$2" 'BEGIN { print r * s }')" -v rps="$rps" '
    function bytes(v, u) { gsub(",", "", v); return v * (u == "kB" ? 1024 : u == "MB" ? 1048576 : u == "GB" ? 1073741824 : 1) }
    /allocated =/ { a = bytes($3, $4) }
    /thread = "vert.x-eventloop-thread/ { if (!($3 in first)) first[$3] = a; last[$3] = a }
    END { for (k in last) d += last[k] - first[k]; printf "%.2f %s\n", d / 1024 / req, rps }'
}
if [[ "${ALLOC:-1}" == 1 ]]; then
  echo
  echo "| alloc pair | order | old KiB/request | new KiB/request | new/old | old req/s | new req/s | load average |"
  echo "|---|---|---|---|---|---|---|---|"
  for i in $(seq "${ALLOC_PAIRS:-2}"); do
    if (( i % 2 )); then first=old; second=new; else first=new; second=old; fi
    l1=$(load); declare -A k; k[$first]=$(alloc_of $first "${ALLOC_SECONDS:-8}")
    k[$second]=$(alloc_of $second "${ALLOC_SECONDS:-8}"); l2=$(load)
    read -r o_k o_rps <<< "${k[old]}"; read -r n_k n_rps <<< "${k[new]}"
    echo "| $i | $first first | $o_k | $n_k | $(awk -v a="$n_k" -v b="$o_k" 'BEGIN { printf "%.3f", a / b }') | $o_rps | $n_rps | $l1 / $l2 |"
  done
fi
