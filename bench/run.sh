#!/usr/bin/env bash
# Load benchmark of the packaged service against a ceiling (the smallest Vert.x TLS server,
# same TLS settings and JVM flags, answering as many bytes), in one run on this machine.
# Workloads: /validate allowed and denied, /mutate with a patch, an unrelated RoleBinding,
# /authorize with a cache hit; each at maximum throughput (wrk, fixed connections) and at a
# fixed 2,000 req/s (an open-loop generator of the project's, latency from each request's due
# time), ceiling and service alternating.
# The service runs with a mock API server (namespace informer, TokenReview/SAR answers) and,
# as the Dockerfile, with a class-data archive made by a training run; ready time is measured
# with and without it.
# usage: [WORKLOADS="validate-allowed ..."] [READY_STARTS=3] bench/run.sh [SECONDS=10] [CONNECTIONS=16]
#          [NAMESPACES=10] [ENVIRONMENTS=2]
# ENVIRONMENTS above 2 adds environments that match no namespace ahead of the shipped two, so
# each MLflow review classifies every namespace (the scaling worst case).
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-10}"; conns="${2:-16}"; namespaces="${3:-10}"; environments="${4:-2}"
workloads="${WORKLOADS:-validate-allowed validate-denied mutate-patch rolebinding-unrelated authorize-cache-hit}"

if ! command -v wrk >/dev/null; then
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
mvn -B -q -DskipTests package dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
certs/generate-dev-certs.sh >/dev/null
out=target/bench
rm -rf "$out" && mkdir -p "$out"
cp="target/classes:target/test-classes:$(cat target/bench.classpath)"
# The Dockerfile's heap flags under the Deployment's 512Mi memory limit.
jvm=(-XX:MaxRAM=512m -XX:MaxRAMPercentage=70 -XX:InitialRAMPercentage=20 -XX:+ExitOnOutOfMemoryError)
quiet=-Dlogback.configurationFile=bench/logback-quiet.xml

java -cp "$cp" "$quiet" io.opendatahub.mlflow.webhook.bench.BenchEnvironment "$out" "$namespaces" \
  "$environments" > "$out/environment.log" 2>&1 &
pids=($!)
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
until [[ -s "$out/kubeconfig" && -s "$out/authorize-cache-hit.json" ]]; do sleep 0.2; done

policy=policies; [[ "$environments" -gt 2 ]] && policy="$out/policy"
serve() { # extra JVM flags...: starts the service, sets $service and $ready_ms
  local started; started=$(date +%s%N)
  KUBECONFIG="$out/kubeconfig" LOG_LEVEL=WARN java "${jvm[@]}" "$@" -jar target/mlflow-policy-webhook.jar \
    serve --kube auto --port 9443 --policy "$policy" > "$out/service.log" 2>&1 &
  service=$!
  until curl -sf --cacert certs/ca.crt https://localhost:9443/readyz >/dev/null; do sleep 0.01; done
  ready_ms=$(( ($(date +%s%N) - started) / 1000000 ))
}
src/main/docker/class-data-archive.sh target/mlflow-policy-webhook.jar "$out/service.jsa" \
  certs/tls.crt certs/tls.key "${jvm[@]}" > "$out/cds.log"
ready_plain=(); ready_cds=()
for _ in $(seq "${READY_STARTS:-3}"); do
  serve; ready_plain+=("$ready_ms"); kill "$service"; wait "$service" || true
  serve -XX:SharedArchiveFile="$out/service.jsa"; ready_cds+=("$ready_ms"); kill "$service"; wait "$service" || true
done
serve -XX:SharedArchiveFile="$out/service.jsa"; pids+=("$service")

java "${jvm[@]}" -cp "$cp" "$quiet" io.opendatahub.mlflow.webhook.bench.CeilingServer 9444 \
  certs/tls.crt certs/tls.key > "$out/ceiling.log" 2>&1 &
pids+=($!)
until grep -q listening "$out/ceiling.log"; do sleep 0.1; done

( peak=0; while kill -0 "$service" 2>/dev/null; do
    rss=$(ps -o rss= -p "$service" | tr -d ' ' || true)
    if [[ -n "$rss" && "$rss" -gt "$peak" ]]; then peak=$rss; echo "$peak" > "$out/peak_rss_kb"; fi
    sleep 0.2; done ) &
pids+=($!)

answer_bytes() { # path body -> how many bytes the service answers, for the ceiling to match
  curl -s --cacert certs/ca.crt -H 'Content-Type: application/json' \
    -H 'Authorization: Bearer bench' --data-binary @"$2" "https://localhost:9443$1" | wc -c
}
path_of() { case "$1" in mutate-*) echo /mutate;; authorize-*) echo /authorize;; *) echo /validate;; esac; }

max_rate() { # port path body bytes seconds -> "rps p50 p99 p999 errors"
  BODY="$3" ANSWER_BYTES="$4" wrk -t2 -c"$conns" -d"$5"s -s bench/workload.lua \
    "https://127.0.0.1:$1$2" | sed -nE 's/RESULT rps=([0-9.]+) p50=([0-9.]+) p99=([0-9.]+) p999=([0-9.]+) errors=([0-9]+)/\1 \2 \3 \4 \5/p'
}

fixed_rate() { # port path body bytes -> "rps p50 p99 p999 errors steal%"
  local before after
  before=$(cpu_ticks)
  java -cp "$cp" "$quiet" io.opendatahub.mlflow.webhook.bench.FixedRate "$1" "$2" "$3" "$4" 2000 \
    "$secs" 16 | sed -nE 's/RESULT rps=([0-9.]+) p50=([0-9.]+) p99=([0-9.]+) p999=([0-9.]+) errors=([0-9]+)/\1 \2 \3 \4 \5/p' \
    | tr '\n' ' '
  after=$(cpu_ticks)
  # CPU time the hypervisor gave to others while this VM wanted it: a tail with high steal is
  # the machine's, not the service's.
  awk -v b="$before" -v a="$after" 'BEGIN { split(b, x); split(a, y);
    printf "%.0f\n", 100 * (y[2] - x[2]) / (y[1] - x[1]) }'
}
cpu_ticks() { # "total steal" from the cpu line of /proc/stat
  awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t, $9 }' /proc/stat
}

{
  echo "| workload | load | ceiling req/s | service req/s | ratio | service p50 ms | p99 ms | p99.9 ms | ceiling p99 ms | errors | CPU steal % (ceiling/service) |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
} > "$out/table.md"
# JIT warm-up of every path first, so the first workload measured is not the one that pays it.
for workload in $workloads; do
  body="$out/$workload.json"; path=$(path_of "$workload"); bytes=$(answer_bytes "$path" "$body")
  max_rate 9443 "$path" "$body" "$bytes" 5 >/dev/null
  max_rate 9444 "$path" "$body" "$bytes" 5 >/dev/null
done
for workload in $workloads; do
  body="$out/$workload.json"; path=$(path_of "$workload"); bytes=$(answer_bytes "$path" "$body")
  max_rate 9444 "$path" "$body" "$bytes" 5 >/dev/null
  max_rate 9443 "$path" "$body" "$bytes" 5 >/dev/null
  read -r c_rps c_p50 c_p99 c_p999 c_err < <(max_rate 9444 "$path" "$body" "$bytes" "$secs")
  read -r s_rps s_p50 s_p99 s_p999 s_err < <(max_rate 9443 "$path" "$body" "$bytes" "$secs")
  echo "| $workload | max, $conns conn | $c_rps | $s_rps | $(awk "BEGIN {printf \"%.2f\", $s_rps / $c_rps}") | $s_p50 | $s_p99 | $s_p999 | $c_p99 | $((s_err + c_err)) | |" >> "$out/table.md"
  read -r c_rps c_p50 c_p99 c_p999 c_err c_steal < <(fixed_rate 9444 "$path" "$body" "$bytes")
  read -r s_rps s_p50 s_p99 s_p999 s_err s_steal < <(fixed_rate 9443 "$path" "$body" "$bytes")
  echo "| $workload | 2,000 req/s | $c_rps | $s_rps | $(awk "BEGIN {printf \"%.2f\", $s_rps / $c_rps}") | $s_p50 | $s_p99 | $s_p999 | $c_p99 | $((s_err + c_err)) | $c_steal / $s_steal |" >> "$out/table.md"
done
{
  echo
  echo "ready (process start to /readyz 200, informer synced), ${READY_STARTS:-3} starts each: with the class-data" \
    "archive ${ready_cds[*]} ms, without ${ready_plain[*]} ms; $namespaces namespaces," \
    "$environments environments;" \
    "service peak RSS $(( $(cat "$out/peak_rss_kb") / 1024 )) MiB;" \
    "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(java -version 2>&1 | head -1)"
} >> "$out/table.md"
cat "$out/table.md"
