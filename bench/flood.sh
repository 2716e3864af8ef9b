#!/usr/bin/env bash
# One caller floods, another is measured: quiet vs flood, in one run, against the packaged jar.
# (a) authority kubernetes (a mock API server): alice's route checks, each a cache miss and so
#     an upstream SubjectAccessReview, at VICTIM_RATE req/s, while mallory (no rights) keeps
#     FLOOD_CONNECTIONS 1,000-check batches of workspaces that do not exist in flight;
#     success = 200 and allowed. Also counts the service's "failed closed" warnings.
# (b) authority local, standalone (policies/examples/local-authority): /validate at 200 req/s
#     while bob keeps 4 such batches in flight (decided in-process, pure CPU).
# usage: bench/flood.sh [SECONDS=20] [FLOOD_CONNECTIONS=40] [VICTIM_RATE=50]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-20}"; flood_conns="${2:-40}"; victim_rate="${3:-50}"

mvn -B -q -DskipTests package dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
[[ -s certs/tls.crt ]] || certs/generate-dev-certs.sh >/dev/null
out=target/bench-flood
rm -rf "$out" && mkdir -p "$out"
cp="target/classes:target/test-classes:$(cat target/bench.classpath)"
# The Dockerfile's heap flags under the Deployment's 512Mi memory limit.
jvm=(-XX:MaxRAM=512m -XX:MaxRAMPercentage=70 -XX:InitialRAMPercentage=20 -XX:+ExitOnOutOfMemoryError -XX:+UseSerialGC)
quiet=-Dlogback.configurationFile=bench/logback-quiet.xml

java -cp "$cp" "$quiet" io.opendatahub.mlflow.webhook.bench.FloodEnvironment "$out" \
  > "$out/environment.log" 2>&1 &
pids=($!)
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
until [[ -s "$out/kubeconfig" ]]; do sleep 0.2; done

serve() { # log-file serve-args...: starts the service on 9443, sets $service
  local log=$1; shift
  KUBECONFIG="$out/kubeconfig" LOG_LEVEL=WARN java "${jvm[@]}" -jar target/mlflow-policy-webhook.jar \
    serve --port 9443 "$@" > "$log" 2>&1 &
  service=$!; pids+=("$service")
  until curl -sf --cacert certs/ca.crt https://localhost:9443/readyz >/dev/null; do sleep 0.05; done
}
load() { # mode rate flood-connections flood-token [body] -> RESULT and FLOOD lines
  java -cp "$cp" "$quiet" io.opendatahub.mlflow.webhook.bench.FloodLoad 9443 "$1" "$2" "$secs" \
    "$3" "$4" "${5:-}"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf (b > 0 ? "%.2f" : "n/a"), a / b }'; }
field() { sed -nE "s/.*phase=$2 .*$1=([0-9.]+).*/\1/p" <<<"$3"; }

serve "$out/service-kubernetes.log" --kube auto --policy policies
a=$(load authorize "$victim_rate" "$flood_conns" mallory)
kill "$service"; wait "$service" 2>/dev/null || true
serve "$out/service-local.log" --kube none --policy policies/examples/local-authority
b=$(load validate 200 4 bob-demo-token src/test/resources/reviews/mlflow-postgresql.json)
kill "$service"; wait "$service" 2>/dev/null || true
warnings=$(grep -c "failed closed" "$out/service-kubernetes.log" || true)
lines=$(wc -l < "$out/service-kubernetes.log")

{
  echo "$a"; echo "$b"; echo
  echo "| measure | quiet | flood | flood/quiet |"
  echo "|---|---|---|---|"
  for m in ok p50 p99; do
    q=$(field "$m" quiet "$a"); f=$(field "$m" flood "$a")
    echo "| (a) alice's route checks, $m$([[ $m == ok ]] && echo " (of $(field total quiet "$a"))" || echo " ms") | $q | $f | $(ratio "$f" "$q") |"
  done
  for m in p50 p99; do
    q=$(field "$m" quiet "$b"); f=$(field "$m" flood "$b")
    echo "| (b) /validate $m ms, authority local | $q | $f | $(ratio "$f" "$q") |"
  done
  echo
  echo "(a) $flood_conns flood connections; service log during (a): $lines lines, $warnings 'failed closed' warnings;" \
    "$secs s per phase; $(nproc) cores, $(java -version 2>&1 | head -1)"
} | tee "$out/table.md"
