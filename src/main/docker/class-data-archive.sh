#!/usr/bin/env bash
# Writes a class-data-sharing archive for the service, so it starts in about half the time: a
# training run starts it, sends one request to each endpoint and stops it; the JVM then writes
# every class it loaded to ARCHIVE. The run is in cluster mode against an API server that
# refuses connections, so the Kubernetes client's classes are archived too (the service serves
# meanwhile, unready, which is all the training needs). Run the service with
# -XX:SharedArchiveFile=ARCHIVE. An archive fits only the JVM build that wrote it and the same
# jar path; a JVM that cannot use it says so once and starts without it.
# usage: class-data-archive.sh JAR ARCHIVE CERT KEY [JVM flags, as the service will run]
# Needs curl. The policy is the service's default (WEBHOOK_POLICY, else ./policies).
set -euo pipefail
jar="$1"; archive="$2"; cert="$3"; key="$4"; shift 4
port="${CDS_TRAINING_PORT:-18443}"
url="https://127.0.0.1:$port"
log="$(mktemp)"
kubeconfig="$(mktemp)"
cat > "$kubeconfig" <<'CONFIG'
apiVersion: v1
kind: Config
clusters: [{name: none, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: none, user: {token: training}}]
contexts: [{name: none, context: {cluster: none, user: none}}]
current-context: none
CONFIG

KUBECONFIG="$kubeconfig" java "$@" -XX:ArchiveClassesAtExit="$archive" -jar "$jar" serve \
  --kube auto --port "$port" --tls-cert "$cert" --tls-key "$key" > "$log" 2>&1 &
service=$!
for _ in $(seq 600); do
  curl -skf "$url/healthz" >/dev/null 2>&1 && break
  kill -0 "$service" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done

post() { curl -sk -o /dev/null -H 'Content-Type: application/json' -H 'Authorization: Bearer training' \
  --data "$2" "$url$1" || true; }
review='{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"training","kind":{"group":"mlflow.opendatahub.io","version":"v1","kind":"MLflow"},"resource":{"group":"mlflow.opendatahub.io","version":"v1","resource":"mlflows"},"operation":"CREATE","userInfo":{"username":"training"},"object":{"apiVersion":"mlflow.opendatahub.io/v1","kind":"MLflow","metadata":{"name":"mlflow"},"spec":{"backendStoreUri":"sqlite:////mlflow/mlflow.db"}}}}'
post /validate "$review"
post /mutate "$review"
post /authorize '{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","spec":{"resourceAttributes":{"namespace":"training","verb":"get","group":"mlflow.kubeflow.org","resource":"experiments"}}}'
post /authorize/mlflow '{"workspace":"training","method":"POST","path":"/api/2.0/mlflow/runs/create"}'
curl -sk -o /dev/null "$url/metrics" || true
curl -sk -o /dev/null "$url/readyz" || true
sleep 2 # the informers' first attempts and retries

kill -TERM "$service"
wait "$service" || true
rm -f "$log" "$kubeconfig"
[[ -s "$archive" ]] || { echo "no archive written to $archive" >&2; exit 1; }
echo "class-data archive: $archive ($(( $(stat -c %s "$archive") / 1048576 )) MiB)"
