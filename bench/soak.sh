#!/usr/bin/env bash
# Soak: the packaged service under mixed load for MINUTES (default 10), standalone with the
# shipped policy and dev certificates. After each minute: requests, errors (must be 0), and the
# service's heap right after a full GC (must not grow). Exit 1 when any request failed.
# usage: bench/soak.sh [MINUTES=10] [PORT=9443]
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${1:-10}"
port="${2:-9443}"

mvn -B -q -DskipTests package dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
certs/generate-dev-certs.sh >/dev/null
cp="target/classes:target/test-classes:$(cat target/bench.classpath)"

java -Xmx256m -jar target/mlflow-policy-webhook.jar serve --kube none --port "$port" \
  > target/soak-service.log 2>&1 &
service=$!
trap 'kill $service 2>/dev/null || true' EXIT
until curl -sf --cacert certs/ca.crt "https://localhost:$port/readyz" >/dev/null; do sleep 0.2; done

heap_mib() {
  jcmd "$service" GC.run >/dev/null
  curl -s --cacert certs/ca.crt "https://localhost:$port/metrics" \
    | awk '/^jvm_memory_used_bytes\{area="heap"/ {sum += $NF} END {printf "%.1f", sum / 1048576}'
}

echo "minute requests errors req/s p99_ms heap_after_gc_MiB"
echo "0 - - - - $(heap_mib)"
failed=0
for minute in $(seq 1 "$minutes"); do
  line=$(java -cp "$cp" -Dlogback.configurationFile=bench/logback-quiet.xml \
    io.opendatahub.mlflow.webhook.bench.SoakLoad "$port" certs/ca.crt 60)
  errors=$(sed -E 's/.*errors=([0-9]+).*/\1/' <<<"$line")
  [[ "$errors" == 0 ]] || failed=1
  echo "$minute $(sed -E 's/requests=([0-9]+) errors=([0-9]+) req\/s=([0-9.]+) p99_ms=([0-9.]+)/\1 \2 \3 \4/' <<<"$line") $(heap_mib)"
done
exit $failed
