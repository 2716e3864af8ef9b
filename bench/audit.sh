#!/usr/bin/env bash
# The background audit on fabric8's mock API server (a figure, not a test), two ways:
# 1. in-process (AuditLoad): heap after full GC for NAMESPACES namespaces and BINDINGS RoleBindings
#    of the integration role, passes and list/watch requests at start, time to a complete report,
#    of a full pass, and from a namespace relabel and from a CR edit to the result;
# 2. the packaged jar (unless SKIP_JAR=1) against the same load through a kubeconfig: time from
#    start to a complete /audit, then RSS and heap after a full GC (jcmd), with the Dockerfile's
#    heap flags under the Deployment's 512Mi limit.
# usage: [SKIP_JAR=1] bench/audit.sh [NAMESPACES=10000] [BINDINGS=1000]
set -euo pipefail
cd "$(dirname "$0")/.."
namespaces="${1:-10000}"; bindings="${2:-1000}"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ "${SKIP_JAR:-}" == 1 ]]; then
  mvn -B -q -DskipTests test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
else
  mvn -B -q -DskipTests package dependency:build-classpath \
    -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
fi
cp="target/classes:target/test-classes:$(cat target/bench.classpath)"
quiet=-Dlogback.configurationFile=bench/logback-quiet.xml
echo "== in-process"
java -Xmx512m -cp "$cp" "$quiet" io.opendatahub.mlflow.webhook.bench.AuditLoad \
  "$namespaces" "$bindings"
[[ "${SKIP_JAR:-}" == 1 ]] && exit 0

echo "== packaged jar"
certs/generate-dev-certs.sh >/dev/null
out=target/bench-audit
rm -rf "$out" && mkdir -p "$out"
java -Xmx1g -cp "$cp" "$quiet" io.opendatahub.mlflow.webhook.bench.AuditEnvironment "$out" \
  "$namespaces" "$bindings" > "$out/environment.log" 2>&1 &
pids=($!)
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
until grep -q ready "$out/environment.log"; do sleep 0.2; done
jvm=(-XX:MaxRAM=512m -XX:MaxRAMPercentage=70 -XX:InitialRAMPercentage=20 -XX:+ExitOnOutOfMemoryError)
started=$(date +%s%N)
KUBECONFIG="$out/kubeconfig" LOG_LEVEL=WARN java "${jvm[@]}" -jar target/mlflow-policy-webhook.jar \
  serve --kube auto --port 9445 --policy policies > "$out/service.log" 2>&1 &
service=$!; pids+=("$service")
complete() {
  curl -sf --cacert certs/ca.crt https://localhost:9445/audit 2>/dev/null \
    | grep -q '"complete":true'
}
until complete; do sleep 0.05; done
echo "jar: start to a complete /audit: $(( ($(date +%s%N) - started) / 1000000 )) ms"
sleep 2
jcmd "$service" GC.run >/dev/null
echo "jar: RSS $(( $(ps -o rss= -p "$service") / 1024 )) MiB;" \
  "heap after full GC: $(jcmd "$service" GC.heap_info | grep -oE 'used [0-9]+K' | head -1)"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
