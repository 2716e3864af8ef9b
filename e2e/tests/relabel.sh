#!/usr/bin/env bash
# Namespace relabel admission through the real chain (issue #16, "close the loop at the other
# end"): an SQLite MLflow CR serves a development namespace; labelling that namespace production
# with kubectl prints the webhook's warning naming the instance and the rule (spec.mlflow.
# namespaceRelabel: warn, shipped), and is refused once the policy says deny (live reload). The
# shipped matchCondition (CEL, compiled and run by the API server) sends only label changes: an
# annotation is never sent, which the service's request counter shows. Registers only the
# namespaces webhook configuration, pointing at its own jar, and puts back what was there.
# Needs a running harness (eval "$(e2e/cluster.sh env)"); e2e/run.sh does it all.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
work="$MLFLOW_E2E_DIR/relabel"
mkdir -p "$work/policy"
certs="$MLFLOW_E2E_DIR/webhook-certs"
config=mlflow-policy-webhook-namespaces
production=mlflow-policy.io/environment=production

install_mlflow_and_base || exit 1
# The CRD allows one CR, named mlflow; an earlier test's is gone by now, or is removed here.
kubectl delete mlflows.mlflow.opendatahub.io mlflow --ignore-not-found --wait=true > /dev/null
kubectl create namespace relabel-dev > /dev/null
kubectl label namespace relabel-dev team=relabel > /dev/null
kubectl create namespace relabel-other > /dev/null
kubectl get namespace redhat-ods-applications > /dev/null 2>&1 \
  || kubectl create namespace redhat-ods-applications > /dev/null

# The shipped policy, in a directory of this test's own, so the deny step can edit it.
cp "$repo/policies/policy.yaml" "$work/policy/policy.yaml"
port="$(start_webhook "$(service_kubeconfig)" relabel-webhook "$work/policy")"

# Put back whatever the namespaces configuration was (another test's registration) on any exit.
saved="$work/saved-configuration.json"
if kubectl get validatingwebhookconfiguration "$config" -o json > "$saved" 2> /dev/null; then
  restore() {
    jq 'del(.metadata.resourceVersion, .metadata.uid, .metadata.creationTimestamp,
        .metadata.generation, .metadata.managedFields)' "$saved" | kubectl replace -f - > /dev/null
  }
else
  restore() { kubectl delete validatingwebhookconfiguration "$config" --ignore-not-found > /dev/null; }
fi
trap 'restore || echo "could not put back $config" >&2' EXIT
render_webhooks "$port" | jq --arg name "$config" '.items |= map(select(.metadata.name == $name))' \
  > "$work/webhook.json"
if ! kubectl apply -f "$work/webhook.json" > "$work/apply-webhook.out" 2>&1; then
  fail "the API server refused the namespaces webhook configuration: $(cat "$work/apply-webhook.out")"
  exit 1
fi
pass "the API server accepted $config (its CEL matchCondition compiles)"

say "an SQLite MLflow CR serving only relabel-dev (development allows it)"
kubectl apply -f - > /dev/null << 'EOF'
apiVersion: mlflow.opendatahub.io/v1
kind: MLflow
metadata:
  name: mlflow
spec:
  workspaceLabelSelector: {matchLabels: {team: relabel}}
  backendStoreUri: sqlite:////mlflow/mlflow.db
  artifactsDestination: s3://mlflow-artifacts/
  serveArtifacts: true
  storage:
    accessModes: [ReadWriteOnce]
    resources: {requests: {storage: 10Gi}}
EOF

# The API server reads webhook configurations through an informer and the service reads the CR
# through its own: wait (server-side dry run, nothing stored) until the relabel is judged.
deadline=$((SECONDS + 120))
until kubectl label namespace relabel-dev "$production" --dry-run=server > "$work/dry-run.out" 2>&1 \
    && grep -q "MLflow 'mlflow' serves namespace 'relabel-dev'" "$work/dry-run.out"; do
  ((SECONDS < deadline)) || { fail "the relabel was not judged within 120 s: $(cat "$work/dry-run.out")"; exit 1; }
  sleep 0.5
done

say "labelling the served namespace production: admitted with a warning naming the instance and the rule"
if out="$(kubectl label namespace relabel-dev "$production" 2>&1)"; then
  echo "$out" >&2
  expect_contains "kubectl prints our warning" "$out" \
    "Warning: metadata.labels: MLflow 'mlflow' serves namespace 'relabel-dev' and, with these labels, breaks rule metadata-store-scheme"
  expect_contains "the warning says why, as admission of the CR would" "$out" \
    "spec.backendStoreUri: 'sqlite:////mlflow/mlflow.db' uses scheme sqlite"
  expect_contains "the label was applied" "$out" "namespace/relabel-dev labeled"
else
  fail "the relabel was refused under namespaceRelabel: warn: $out"
fi

say "back to development: a looser environment brings nothing"
out="$(kubectl label namespace relabel-dev mlflow-policy.io/environment- 2>&1)"
expect_equal "no warning on the way out" "$out" "namespace/relabel-dev unlabeled"

# Every review the service answered for a Namespace, whatever the decision.
namespace_reviews() {
  curl -fsS --max-time 10 --cacert "$certs/ca.crt" "https://127.0.0.1:$port/metrics" \
    | awk '/^mlflow_webhook_admission_seconds_count\{/ && /kind="Namespace"/ { n += $NF } END { print n + 0 }'
}

say "only label changes are sent (matchConditions)"
before="$(namespace_reviews)"
kubectl annotate namespace relabel-other note=unrelated > /dev/null
kubectl annotate namespace relabel-dev note=unrelated > /dev/null
expect_equal "two annotation changes reached the service 0 times" "$(namespace_reviews)" "$before"
out="$(kubectl label namespace relabel-other cost-center=42 2>&1)"
expect_equal "a label change on another namespace passes without a warning" "$out" \
  "namespace/relabel-other labeled"
out="$(kubectl label namespace relabel-dev cost-center=42 2>&1)"
expect_equal "an unrelated label on the served namespace passes without a warning" "$out" \
  "namespace/relabel-dev labeled"
expect_equal "the two label changes reached the service twice" "$(namespace_reviews)" "$((before + 2))"

say "with namespaceRelabel: deny (policy reloaded live) the relabel is refused"
sed -i 's/^    namespaceRelabel: warn$/    namespaceRelabel: deny/' "$work/policy/policy.yaml"
grep -q '^    namespaceRelabel: deny$' "$work/policy/policy.yaml" \
  || { fail "the policy copy has no namespaceRelabel: warn line to change"; exit 1; }
deadline=$((SECONDS + 60))
until ! kubectl label namespace relabel-dev "$production" --dry-run=server > "$work/dry-run.out" 2>&1; do
  ((SECONDS < deadline)) || { fail "the deny setting was not in force within 60 s"; break; }
  sleep 0.5
done
if out="$(kubectl label namespace relabel-dev "$production" 2>&1)"; then
  fail "the relabel was admitted under namespaceRelabel: deny: $out"
else
  echo "$out" >&2
  expect_contains "kubectl names our webhook" "$out" \
    "admission webhook \"namespaces.validate.mlflow-policy-webhook.opendatahub.io\" denied the request"
  expect_contains "the denial names the instance and the rule" "$out" \
    "MLflow 'mlflow' serves namespace 'relabel-dev' and, with these labels, breaks rule metadata-store-scheme"
fi
expect_equal "the refused label is not on the namespace" \
  "$(kubectl get namespace relabel-dev -o jsonpath='{.metadata.labels.mlflow-policy\.io/environment}')" ""
out="$(kubectl label namespace relabel-dev team-size=small 2>&1)"
expect_equal "under deny, an unrelated label still passes" "$out" "namespace/relabel-dev labeled"

kubectl delete mlflows.mlflow.opendatahub.io mlflow --wait=true > /dev/null
kubectl delete namespace relabel-dev relabel-other --wait=false > /dev/null
((failures == 0)) || { echo "relabel: $failures failure(s); logs in $MLFLOW_E2E_DIR" >&2; exit 1; }
echo "relabel: all passed" >&2
