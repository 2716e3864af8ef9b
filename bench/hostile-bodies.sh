#!/usr/bin/env bash
# Memory under hostile admission bodies: the packaged service with the Dockerfile's heap for a
# 512 MiB container (-Xmx358m), standalone, receives CONCURRENCY bodies at once, ROUNDS times.
# Each body is an MLflow AdmissionReview just under the body limit whose spec holds ~800,000
# tiny objects (spec.tolerations: [{"k":1},...]), the shape that costs the most heap per byte.
# While the bodies are in flight a normal review is sent; the service must answer it.
# Reports: the status codes of the hostile requests, the normal review's status and time, the
# peak heap before a GC and the most still used after one (from -Xlog:gc), the heap after a
# final full GC, and whether the process survived. JAR=path runs another build (e.g. an older
# commit's, for a before/after comparison).
# The request deadline is 60 s here (DEADLINE=10s for the default): on a loaded 2-core machine
# eight curl processes take longer than 10 s to encrypt 56 MiB, and the deadline's 408 would
# then hide what the bodies cost once received.
# usage: [DEADLINE=60s] [SKIP_PACKAGE=1] bench/hostile-bodies.sh [CONCURRENCY=8] [ROUNDS=3] [PORT=9743]
set -euo pipefail
cd "$(dirname "$0")/.."
concurrency="${1:-8}"; rounds="${2:-3}"; port="${3:-9743}"
out=target/hostile-bodies
rm -rf "$out" && mkdir -p "$out"

[[ -f target/mlflow-policy-webhook.jar && "${SKIP_PACKAGE:-0}" == 1 ]] \
  || mvn -B -q -o -DskipTests package
certs/generate-dev-certs.sh "$out/certs" >/dev/null

limit=$((7 * 1024 * 1024))
python3 - "$out/hostile.json" "$limit" <<'EOF'
import sys
path, limit = sys.argv[1], int(sys.argv[2])
head = ('{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"hostile",'
        '"kind":{"group":"mlflow.opendatahub.io","version":"v1","kind":"MLflow"},"name":"mlflow",'
        '"operation":"CREATE","userInfo":{"username":"mallory","groups":["g"]},"object":{'
        '"apiVersion":"mlflow.opendatahub.io/v1","kind":"MLflow","metadata":{"name":"mlflow"},'
        '"spec":{"backendStoreUri":"sqlite:////mlflow/mlflow.db","tolerations":[')
tail = ']}}}}'
count = (limit - len(head) - len(tail) - 16) // 8
with open(path, "w") as f:
    f.write(head + ",".join(['{"k":1}'] * count) + tail)
EOF
cat > "$out/normal.json" <<'EOF'
{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"normal","kind":{"group":"mlflow.opendatahub.io","version":"v1","kind":"MLflow"},"name":"mlflow","operation":"CREATE","userInfo":{"username":"admin","groups":["g"]},"object":{"apiVersion":"mlflow.opendatahub.io/v1","kind":"MLflow","metadata":{"name":"mlflow"},"spec":{"backendStoreUri":"postgresql://db:5432/mlflow","artifactsDestination":"s3://bucket/mlflow"}}}}
EOF

WEBHOOK_REQUEST_DEADLINE="${DEADLINE:-60s}" java -Xmx358m -XX:+ExitOnOutOfMemoryError -Xlog:gc:file="$out/gc.log" \
  -jar "${JAR:-target/mlflow-policy-webhook.jar}" serve --kube none --port "$port" \
  --tls-cert "$out/certs/tls.crt" --tls-key "$out/certs/tls.key" > "$out/service.log" 2>&1 &
service=$!
trap 'kill $service 2>/dev/null || true' EXIT
until curl -sf --cacert "$out/certs/ca.crt" "https://localhost:$port/readyz" >/dev/null; do
  kill -0 $service 2>/dev/null || { echo "service did not start"; cat "$out/service.log"; exit 1; }
  sleep 0.2
done

post() { # body-file -> "status seconds"
  curl -sS -o /dev/null -w '%{http_code} %{time_total}\n' --max-time 60 -H 'Expect:' \
    --cacert "$out/certs/ca.crt" \
    -H 'Content-Type: application/json' --data-binary @"$1" "https://localhost:$port/validate" \
    || true
}

echo "body: $(wc -c < "$out/hostile.json") bytes; concurrency $concurrency; rounds $rounds"
for round in $(seq "$rounds"); do
  for i in $(seq "$concurrency"); do post "$out/hostile.json" > "$out/round$round.$i" 2>&1 & done
  sleep 0.5
  normal=$(post "$out/normal.json" 2>&1 | tr '\n' ' ')
  wait $(jobs -p | grep -v "^$service$") 2>/dev/null || true
  codes=$(cat "$out"/round"$round".* | grep -v '^curl' | awk '{print $1}' | sort | uniq -c \
    | awk '{printf "%sx%s ", $1, $2}')
  echo "round $round: hostile answers ${codes}| normal review during the flood: $normal"
done

if kill -0 $service 2>/dev/null; then
  jcmd $service GC.run >/dev/null
  after=$(jcmd $service GC.heap_info | sed -nE 's/.*used ([0-9]+)K.*/\1/p' | head -1)
  echo "survived: yes; heap after full GC: $((after / 1024)) MiB"
else
  echo "survived: NO"; grep -m3 -i "OutOfMemory\|error" "$out/service.log" || true
fi
peak=$(sed -nE 's/.* ([0-9]+)M->[0-9]+M\([0-9]+M\).*/\1/p' "$out/gc.log" | sort -n | tail -1)
kept=$(sed -nE 's/.* [0-9]+M->([0-9]+)M\([0-9]+M\).*/\1/p' "$out/gc.log" | sort -n | tail -1)
echo "heap (-Xlog:gc): peak used before a GC ${peak:-?} MiB, most kept after a GC ${kept:-?} MiB," \
  "of 358 MiB; GCs: $(grep -c Pause "$out/gc.log" || true)"
