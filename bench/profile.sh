#!/usr/bin/env bash
# Where each request's CPU goes, in the service and in the bare ceiling, under the same wrk load:
# the whole path profiled (async-profiler from Maven Central, CPU samples with kernel frames),
# each event-loop sample put in one component (socket write and read, TLS, HTTP, Jackson, the
# service's own code, ...: bench/profile-components.py), and the components given in microseconds
# of CPU per request answered, side by side. The difference column is what the service adds.
# Per-thread CPU per request (from /proc, without the profiler, whose sampling costs CPU itself)
# comes first: the profile says where, this says how much; then, from the same run, what the
# generator, the kernel's interrupts and the idle cores spent per request, and how often one core
# woke a thread on the other: a slower server leaves wrk idle more often, and every wake-up costs
# both sides (a VM's inter-processor interrupt).
# Outputs in target/profile: WORKLOAD-SIDE.collapsed (collapsed stacks, per thread; for flame
# graphs) and WORKLOAD-SIDE.html (async-profiler's flame graph), profile.md (the tables).
# PIN=1 runs both servers on core 0 and wrk (one thread) and the mock API server on core 1, so
# each server's CPU per request is its own, not shared with the generator's.
# CEILING_LAYER=front-tokens (say) profiles one of CeilingServer's layers in the bare one's place.
# usage: [WORKLOADS="validate-allowed ..."] [INTERVAL_US=1000] [WARM_SECONDS=8] [PIN=0] [CEILING_LAYER=bare]
#          bench/profile.sh [SECONDS=10] [CONNECTIONS=16]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/common.sh
source bench/common.sh
secs="${1:-10}"; conns="${2:-16}"; interval_us="${INTERVAL_US:-1000}"; warm="${WARM_SECONDS:-8}"
ceiling_layer="${CEILING_LAYER:-bare}"
workloads="${WORKLOADS:-validate-allowed validate-apiserver authorize-mlflow-cache-hit}"
profiler_version=4.1
TIMEFORMAT='%U %S' # bash's time: the generator's user and system seconds

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
mvn -B -q -DskipTests package dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
out=target/profile; rm -rf "$out"; mkdir -p "$out"
# The profiler's native library ships inside its jar on Maven Central.
mvn -B -q dependency:copy -Dartifact="tools.profiler:async-profiler:$profiler_version" \
  -DoutputDirectory="$out"
unzip -q -o "$out/async-profiler-$profiler_version.jar" 'linux-x64/*' -d "$out"
agent=$(realpath "$out/linux-x64/libasyncProfiler.so")
certs/generate-dev-certs.sh >/dev/null
cp="target/classes:target/test-classes:$(cat target/bench.classpath)"
quiet=-Dlogback.configurationFile=bench/logback-quiet.xml
mapfile -t docker_flags < <(bench/dockerfile-flags.sh)
jvm=(-XX:MaxRAM=512m "${docker_flags[@]}")
server_cores=(); generator_cores=(); wrk_threads=2
if [[ "${PIN:-0}" == 1 ]]; then
  server_cores=(taskset -c 0); generator_cores=(taskset -c 1); wrk_threads=1
fi

"${generator_cores[@]}" java -cp "$cp" "$quiet" io.opendatahub.mlflow.webhook.bench.BenchEnvironment "$out/env" 10 2 \
  > "$out/environment.log" 2>&1 &
pids=($!)
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
until [[ -s "$out/env/kubeconfig" && -s "$out/env/authorize-cache-hit.json" ]]; do sleep 0.2; done
declare -A port pid
port[service]=$(free_port); port[ceiling]=$(free_port)
while [[ "${port[ceiling]}" == "${port[service]}" ]]; do port[ceiling]=$(free_port); done
KUBECONFIG="$out/env/kubeconfig" POD_NAMESPACE=mlflow-policy-webhook-profile LOG_LEVEL=WARN \
  "${server_cores[@]}" java "${jvm[@]}" -jar target/mlflow-policy-webhook.jar serve --kube auto \
  --port "${port[service]}" --policy policies > "$out/service.log" 2>&1 &
pid[service]=$!; pids+=($!)
"${server_cores[@]}" java "${jvm[@]}" -cp "$cp" "$quiet" io.opendatahub.mlflow.webhook.bench.CeilingServer \
  "${port[ceiling]}" certs/tls.crt certs/tls.key "$ceiling_layer" > "$out/ceiling.log" 2>&1 &
pid[ceiling]=$!; pids+=($!)
until curl -sf --cacert certs/ca.crt "https://localhost:${port[service]}/readyz" >/dev/null; do
  kill -0 "${pid[service]}" 2>/dev/null || { cat "$out/service.log" >&2; exit 1; }
  sleep 0.1
done
until grep -qs listening "$out/ceiling.log"; do sleep 0.1; done

# CPU ticks of each thread of a process, summed by thread name (pool threads share a name).
thread_ticks() {
  for task in /proc/"$1"/task/*; do
    echo "$(tr ' ' _ < "$task/comm") $(awk '{ print $14 + $15 }' "$task/stat")"
  done | awk '{ t[$1] += $2 } END { for (n in t) print n, t[n] }' | sort
}
# The machine's CPU ticks (user+nice, system, idle, irq+softirq, steal), the interrupts one core
# sends another to wake a thread (rescheduling, function calls), and a process's context switches:
# read around the unprofiled run, so that what the server's speed costs the generator and the
# kernel is counted too (wrk and the server share the cores unless PIN=1).
machine_ticks() { awk '/^cpu / { print $2 + $3, $4, $5, $7 + $8, $9 }' /proc/stat; }
wakeups() { awk '/^ *(RES|CAL):/ { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i } END { print s }' /proc/interrupts; }
switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches/ { s += $2 } END { print s }'; }
# agent commands go through jcmd, which would split an unquoted option list at its '='
profiler() { jcmd "$1" JVMTI.agent_load "$agent" "\"$2\"" > /dev/null; }
threads() { awk '{ printf "%s%s %s", sep, $1, $2; sep = ", " }' "$1"; }
wrk_rps() { # port path body bytes seconds -> requests per second
  BODY="$3" ANSWER_BYTES="$4" "${generator_cores[@]}" wrk -t"$wrk_threads" -c"$conns" -d"$5"s -s bench/workload.lua \
    "https://127.0.0.1:$1$2" | sed -nE 's/^RESULT rps=([0-9.]+).*/\1/p'
}

{
  echo "Profile: $(date -u +%FT%TZ), $(nproc) cores, wrk -t$wrk_threads -c$conns, $secs s per side," \
    "async-profiler $profiler_version every $interval_us us of CPU; ceiling layer $ceiling_layer; load $(load)."
} > "$out/profile.md"
declare -A requests
for workload in $workloads; do
  body="$out/env/$workload.json"; path=$(path_of "$workload")
  bytes=$(curl -s --cacert certs/ca.crt -H 'Content-Type: application/json' \
    -H 'Authorization: Bearer bench' --data-binary @"$body" \
    "https://localhost:${port[service]}$path" | wc -c)
  # The service has far more code to compile than the ceiling: warm it longer.
  for _ in 1 2 3; do
    wrk_rps "${port[service]}" "$path" "$body" "$bytes" "$warm" > /dev/null
    wrk_rps "${port[ceiling]}" "$path" "$body" "$bytes" 3 > /dev/null
  done
  for side in ceiling service; do
    thread_ticks "${pid[$side]}" > "$out/$workload-$side.ticks0"
    read -r -a cpu0 < <(machine_ticks); wake0=$(wakeups); switch0=$(switches "${pid[$side]}")
    { time wrk_rps "${port[$side]}" "$path" "$body" "$bytes" "$secs" > "$out/rps"; } 2> "$out/wrk.time"
    rps=$(cat "$out/rps")
    read -r -a cpu1 < <(machine_ticks); wake1=$(wakeups); switch1=$(switches "${pid[$side]}")
    thread_ticks "${pid[$side]}" > "$out/$workload-$side.ticks1"
    read -r wrk_user wrk_system < "$out/wrk.time"
    awk -v r="$rps" -v s="$secs" -v hz="$(getconf CLK_TCK)" -v wu="$wrk_user" -v ws="$wrk_system" \
      -v c0="${cpu0[*]}" -v c1="${cpu1[*]}" -v w0="$wake0" -v w1="$wake1" -v x0="$switch0" \
      -v x1="$switch1" 'BEGIN { n = r * s; split(c0, a); split(c1, b); f = 1e6 / hz / n
        printf "generator %.2f, all processes user %.2f and system %.2f, interrupts %.2f, idle %.2f, steal %.2f; wake-up interrupts %.3f, server context switches %.3f\n",
          (wu + ws) * 1e6 / n, (b[1] - a[1]) * f, (b[2] - a[2]) * f, (b[4] - a[4]) * f,
          (b[3] - a[3]) * f, (b[5] - a[5]) * f, (w1 - w0) / n, (x1 - x0) / n }' \
      > "$out/$workload-$side.machine"
    join "$out/$workload-$side.ticks0" "$out/$workload-$side.ticks1" | awk -v r="$rps" -v s="$secs" \
      -v hz="$(getconf CLK_TCK)" '$3 > $2 { printf "%s %.2f\n", $1, ($3 - $2) * 1e6 / hz / (r * s) }' \
      > "$out/$workload-$side.threads"
    profiler "${pid[$side]}" "start,event=cpu,interval=${interval_us}us,threads"
    rps=$(wrk_rps "${port[$side]}" "$path" "$body" "$bytes" "$secs")
    profiler "${pid[$side]}" "dump,file=$out/$workload-$side.html"
    profiler "${pid[$side]}" "stop,file=$out/$workload-$side.collapsed,collapsed,threads"
    requests[$side]=$(awk -v r="$rps" -v s="$secs" 'BEGIN { printf "%d", r * s }')
  done
  {
    echo
    echo "### $workload ($path, $(wc -c < "$body")-byte body, $bytes-byte answer)"
    echo
    echo "CPU per request by thread, without the profiler (us): ceiling" \
      "$(threads "$out/$workload-ceiling.threads"); service $(threads "$out/$workload-service.threads")"
    echo
    echo "The same run across the machine, per request (us; interrupts and switches a request):" \
      "ceiling: $(cat "$out/$workload-ceiling.machine"); service: $(cat "$out/$workload-service.machine")"
    echo
    python3 bench/profile-components.py "$interval_us" \
      "$out/$workload-ceiling.collapsed" "${requests[ceiling]}" \
      "$out/$workload-service.collapsed" "${requests[service]}"
  } >> "$out/profile.md"
done
cat "$out/profile.md"
