#!/usr/bin/env bash
# Admission through the real chain: the MLflow CRD and roles installed as the operator would, the
# packaged jar registered with the shipped webhook configurations, and MLflow CRs written with
# kubectl. Needs a running harness (eval "$(e2e/cluster.sh env)"); e2e/run.sh does it all.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
work="$MLFLOW_E2E_DIR/admission"
mkdir -p "$work"

say "install the MLflow CRD and RBAC roles"
install_mlflow_crd_and_roles || { fail "the MLflow CRD and roles were not installed"; exit 1; }
# team-prod is production by name in the shipped policy; a cluster-scoped MLflow CR without a
# workspaceLabelSelector serves every namespace, so it is judged as production.
kubectl create namespace team-prod > /dev/null
kubectl create namespace redhat-ods-applications > /dev/null

say "install manifests/base and start the packaged jar as its ServiceAccount"
if ! install_base > "$work/apply-base.out" 2>&1; then
  fail "the API server refused manifests/base: $(cat "$work/apply-base.out")"
  exit 1
fi
port="$(start_webhook "$(service_kubeconfig)")"
render_webhooks "$port" > "$work/webhooks.json"
# The real API server validates the shipped objects here (CEL matchConditions, versions, ...).
if ! kubectl apply -f "$work/webhooks.json" > "$work/apply-webhooks.out" 2>&1; then
  fail "the API server refused the shipped webhook configurations: $(cat "$work/apply-webhooks.out")"
  exit 1
fi
pass "the API server accepted the 6 shipped webhook configurations"

cp "$repo/e2e/fixtures/mlflow-sqlite.yaml" "$work/sqlite.yaml"

# The API server reads webhook configurations through an informer, so a write right after
# registering may not be sent yet: wait (server-side dry run, no side effects) until it is.
deadline=$((SECONDS + 120))
until ! kubectl create --dry-run=server -f "$work/sqlite.yaml" > /dev/null 2>&1; do
  ((SECONDS < deadline)) || { fail "the validating webhook was not called within 120 s"; exit 1; }
  sleep 0.5
done

say "a production SQLite MLflow CR is refused with the webhook's message"
if kubectl create -f "$work/sqlite.yaml" > "$work/sqlite.out" 2>&1; then
  fail "the SQLite CR was admitted"
else
  denial="$(cat "$work/sqlite.out")"
  echo "$denial" >&2
  expect_contains "kubectl names our webhook" "$denial" \
    'admission webhook "mlflows.validate.mlflow-policy-webhook.opendatahub.io" denied the request'
  expect_contains "the message names the field and the scheme" "$denial" \
    "spec.backendStoreUri: 'sqlite:////mlflow/mlflow.db' uses scheme sqlite"
  expect_contains "the message says the fix" "$denial" "Use a postgresql:// or mysql:// database"
fi
expect_equal "nothing was stored" \
  "$(kubectl get mlflows.mlflow.opendatahub.io --no-headers 2>/dev/null | wc -l)" "0"

say "a PostgreSQL MLflow CR is admitted, with the storage defaults of /mutate"
cat > "$work/postgresql.yaml" << 'EOF'
apiVersion: mlflow.opendatahub.io/v1
kind: MLflow
metadata:
  name: mlflow
spec:
  backendStoreUriFrom: {name: mlflow-db-credentials, key: backend-store-uri}
  artifactsDestination: s3://mlflow-artifacts/
  serveArtifacts: true
  # Only the class: /mutate fills the size and access modes from the policy's defaults.
  storage:
    storageClassName: fast-ssd
EOF
if kubectl create -f "$work/postgresql.yaml" > "$work/postgresql.out" 2>&1; then
  pass "the PostgreSQL CR was admitted"
  stored="$(kubectl get mlflows.mlflow.opendatahub.io mlflow -o json | jq -c '.spec.storage')"
  expect_equal "the stored CR has the defaults (it passed CRD validation after /mutate)" "$stored" \
    '{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"10Gi"}},"storageClassName":"fast-ssd"}'
else
  fail "the PostgreSQL CR was refused: $(cat "$work/postgresql.out")"
fi

say "a dry-run create has no side effects"
kubectl delete mlflows.mlflow.opendatahub.io mlflow > /dev/null
if kubectl create --dry-run=server -f "$work/postgresql.yaml" > "$work/dry-run.out" 2>&1; then
  pass "a server-side dry run of the PostgreSQL CR was admitted"
else
  fail "the dry-run create was refused: $(cat "$work/dry-run.out")"
fi
expect_equal "the dry run stored no MLflow object" \
  "$(kubectl get mlflows.mlflow.opendatahub.io --no-headers 2>/dev/null | wc -l)" "0"

say "a namespace relabelled to production changes the next decision; a stored CR ratchets"
kubectl create namespace team-dev > /dev/null
kubectl label namespace team-dev mlflow-team=dev > /dev/null
# SQLite serving only team-dev (and the unlabelled deployment namespace): development allows it.
sed 's|^spec:|spec:\n  workspaceLabelSelector: {matchLabels: {mlflow-team: dev}}|' "$work/sqlite.yaml" \
  | sed 's|file:///mlflow/artifacts|s3://mlflow-artifacts/|' > "$work/sqlite-dev.yaml"
if kubectl create -f "$work/sqlite-dev.yaml" > "$work/sqlite-dev.out" 2>&1; then
  pass "SQLite serving only a development namespace is admitted (and stored)"
else
  fail "SQLite serving only team-dev was refused: $(cat "$work/sqlite-dev.out")"
fi
kubectl label namespace team-dev mlflow-policy.io/environment=production > /dev/null
# The service learns labels from its Namespace informer: wait (bounded) for the watch event. A
# dry-run create of the same CR is judged before storage would answer AlreadyExists, so it shows
# the webhook's current decision without touching the stored object.
deadline=$((SECONDS + 120))
# (Output to a file, then grep: with pipefail, `kubectl | grep -q` fails whenever grep stops
# reading before kubectl has written everything, so the loop waited out its deadline.)
until kubectl create --dry-run=server -f "$work/sqlite-dev.yaml" > "$work/sqlite-dev.out" 2>&1
    grep -q "denied the request" "$work/sqlite-dev.out"; do
  ((SECONDS < deadline)) || break
  sleep 0.5
done
expect_contains "after the relabel the same CR is refused on create, naming the namespace" \
  "$(cat "$work/sqlite-dev.out")" "environment 'production' (set by namespace 'team-dev')"

# UPDATE through the real chain: the stored CR broke nothing when it was admitted; an unrelated
# change now passes with a warning (ratcheting), a change that worsens it is refused.
if out="$(kubectl patch mlflows.mlflow.opendatahub.io mlflow --type merge \
    -p '{"spec":{"podLabels":{"team":"dev"}}}' 2>&1)"; then
  pass "an unrelated UPDATE (a pod label) of the CR the relabel made non-compliant is admitted"
  echo "$out" >&2
  expect_contains "kubectl shows the ratchet warning" "$out" "Warning:"
  expect_contains "the warning says it is not enforced now" "$out" "not enforced now"
else
  fail "the unrelated UPDATE was refused: $out"
fi
if out="$(kubectl patch mlflows.mlflow.opendatahub.io mlflow --type merge \
    -p '{"spec":{"backendStoreUri":"sqlite:////mlflow/other.db"}}' 2>&1)"; then
  fail "an UPDATE to another SQLite store was admitted in production: $out"
else
  expect_contains "an UPDATE to another SQLite store is refused" "$out" \
    "spec.backendStoreUri: 'sqlite:////mlflow/other.db' uses scheme sqlite"
fi
expect_equal "the refused UPDATE left the stored store unchanged" \
  "$(kubectl get mlflows.mlflow.opendatahub.io mlflow -o jsonpath='{.spec.backendStoreUri}')" \
  "sqlite:////mlflow/mlflow.db"

say "a DELETE is admitted"
if out="$(kubectl delete mlflows.mlflow.opendatahub.io mlflow --wait=true --timeout=60s 2>&1)"; then
  pass "the non-compliant CR was deleted"
else
  fail "the DELETE failed: $out"
fi
expect_equal "no MLflow object is left" \
  "$(kubectl get mlflows.mlflow.opendatahub.io --no-headers 2>/dev/null | wc -l)" "0"

((failures == 0)) || { echo "admission: $failures failure(s); logs in $MLFLOW_E2E_DIR" >&2; exit 1; }
echo "admission: all passed" >&2
