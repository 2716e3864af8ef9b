#!/usr/bin/env bash
# The real MLflow tracking server (issue #20): MLflow with the Kubernetes workspace provider and
# auth plugin (e2e/tracking/requirements.txt) against the harness's API server, driven with real
# REST requests by ServiceAccounts bound to the MLflow roles; for every request our
# POST /authorize/mlflow gets the same question with the same token, and the two answers must
# agree or be listed in e2e/tracking/expected-differences.yaml. Needs a running harness
# (eval "$(e2e/cluster.sh env)") and the packaged jar; e2e/run.sh does it all.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
tracking="$repo/e2e/tracking"
work="$MLFLOW_E2E_DIR/tracking"
rm -rf "$work"
mkdir -p "$work"

# Everything this script starts has its pid file under $work and its name in the harness's
# process list, so `cluster.sh down` stops it too if this script is killed before its trap runs.
stop_started() {
  local name pid
  for name in mlflow webhook; do
    [[ -f "$work/$name.pid" ]] || continue
    pid="$(cat "$work/$name.pid")"
    kill -TERM "$pid" 2> /dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2> /dev/null || true
    rm -f "$work/$name.pid"
  done
}
trap 'stop_started; rm -f "$work/tokens.json"' EXIT

venv="$("$tracking/install.sh")"

say "the MLflow roles, manifests/base, two workspaces and five users"
install_mlflow_and_base || exit 1
for ns in ws-a ws-b tracking-users; do
  kubectl get namespace "$ns" > /dev/null 2>&1 || kubectl create namespace "$ns" > /dev/null
done
# editor: the bootstrap role "edit" in ws-a (mlflow-view and mlflow-edit aggregate into it, as on
# a cluster); creator: mlflow-edit alone (create, update, delete, no get or list; gateway secrets
# get and list); viewer: mlflow-view in ws-a; named: may get one experiment by name (RBAC
# resourceNames); outsider: nothing. ws-b: nobody has rights there.
kubectl apply -f - > /dev/null << 'YAML'
apiVersion: v1
kind: List
items:
  - {apiVersion: v1, kind: ServiceAccount, metadata: {name: editor, namespace: tracking-users}}
  - {apiVersion: v1, kind: ServiceAccount, metadata: {name: viewer, namespace: tracking-users}}
  - {apiVersion: v1, kind: ServiceAccount, metadata: {name: creator, namespace: tracking-users}}
  - {apiVersion: v1, kind: ServiceAccount, metadata: {name: named, namespace: tracking-users}}
  - {apiVersion: v1, kind: ServiceAccount, metadata: {name: outsider, namespace: tracking-users}}
  - apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata: {name: editor-edit, namespace: ws-a}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
    subjects: [{kind: ServiceAccount, name: editor, namespace: tracking-users}]
  - apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata: {name: creator-mlflow-edit, namespace: ws-a}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: mlflow-edit}
    subjects: [{kind: ServiceAccount, name: creator, namespace: tracking-users}]
  - apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata: {name: viewer-mlflow-view, namespace: ws-a}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: mlflow-view}
    subjects: [{kind: ServiceAccount, name: viewer, namespace: tracking-users}]
YAML
kubectl apply -f - > /dev/null << 'YAML'
apiVersion: v1
kind: List
items:
  - apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata: {name: get-experiment-shared, namespace: ws-a}
    rules:
      - {apiGroups: [mlflow.kubeflow.org], resources: [experiments], verbs: [get], resourceNames: [shared]}
  - apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata: {name: named-get-experiment-shared, namespace: ws-a}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: get-experiment-shared}
    subjects: [{kind: ServiceAccount, name: named, namespace: tracking-users}]
YAML
tokens="$work/tokens.json"
(umask 077; jq -n \
  --arg editor "$(kubectl -n tracking-users create token editor --duration 1h)" \
  --arg viewer "$(kubectl -n tracking-users create token viewer --duration 1h)" \
  --arg creator "$(kubectl -n tracking-users create token creator --duration 1h)" \
  --arg named "$(kubectl -n tracking-users create token named --duration 1h)" \
  --arg outsider "$(kubectl -n tracking-users create token outsider --duration 1h)" \
  '{editor: $editor, viewer: $viewer, creator: $creator, named: $named, outsider: $outsider}' > "$tokens")

say "start our service (delegating to the API server) and the tracking server"
# start_webhook keeps its pid file and certificates in the directory it is given, so this second
# instance does not replace the one the admission test registered.
webhook_port="$(MLFLOW_E2E_DIR="$work" start_webhook "$(service_kubeconfig)")"
echo tracking/webhook >> "$MLFLOW_E2E_DIR/processes"

mlflow_port="$(start_tracking_server "$venv" "$work")" || { fail "the tracking server did not start"; exit 1; }

say "the differential: every request to the tracking server, the same question to /authorize/mlflow"
if TRACKING_URL="http://127.0.0.1:$mlflow_port" WEBHOOK_URL="https://127.0.0.1:$webhook_port" \
    WEBHOOK_CA="$work/webhook-certs/ca.crt" TOKENS="$tokens" TABLE_OUT="$work/differential.txt" \
    "$venv/bin/python" "$tracking/differential.py"; then
  pass "the plugin and /authorize/mlflow agree (table in $work/differential.txt)"
else
  fail "the plugin and /authorize/mlflow disagree (table above, logs in $work)"
fi

((failures == 0)) || { echo "tracking-server: $failures failure(s); logs in $work" >&2; exit 1; }
echo "tracking-server: all passed" >&2
