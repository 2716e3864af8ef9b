# Helpers for cluster.sh and the end-to-end test scripts (sourced; the tests expect the exports
# of `cluster.sh env`).

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
failures=0

# A free loopback port (the kernel picks it; the tiny race until the server binds is acceptable
# for a test harness on one machine).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

say() { echo "--- $*" >&2; }
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "ok: $*" >&2; }

# expect_contains WHAT TEXT NEEDLE
expect_contains() {
  if [[ "$2" == *"$3"* ]]; then pass "$1"; else fail "$1: expected to contain '$3', got: $2"; fi
}

# expect_equal WHAT ACTUAL EXPECTED
expect_equal() {
  if [[ "$2" == "$3" ]]; then pass "$1"; else fail "$1: expected '$3', got '$2'"; fi
}

# The MLflow CRD and RBAC roles as the operator installs them, from the in-repository copies in
# e2e/fixtures (their headers name the operator commit). Idempotent, so every test may call it.
install_mlflow_crd_and_roles() {
  kubectl apply -f "$repo/e2e/fixtures/mlflow-crd.yaml" > /dev/null
  # kubectl wait fails at once ("status.conditions accessor error") while the new CRD has no
  # conditions yet, so ask again until it is Established.
  local attempt
  for attempt in $(seq 1 60); do
    kubectl wait --for=condition=Established --timeout=5s crd/mlflows.mlflow.opendatahub.io \
      > /dev/null 2>&1 && break
    if [[ "$attempt" == 60 ]]; then
      echo "the MLflow CRD was not Established within ~6 minutes" >&2
      return 1
    fi
    sleep 1
  done
  kubectl apply -f "$repo/e2e/fixtures/mlflow-rbac.yaml" > /dev/null
}

# What every test that runs the jar starts from: the MLflow CRD and roles, then manifests/base.
# A refusal fails the test naming what the API server said, and returns 1.
install_mlflow_and_base() {
  install_mlflow_crd_and_roles || { fail "the MLflow CRD and roles were not installed"; return 1; }
  install_base > "$MLFLOW_E2E_DIR/apply-base.out" 2>&1 \
    || { fail "manifests/base: $(cat "$MLFLOW_E2E_DIR/apply-base.out")"; return 1; }
}

# manifests/base as kustomize renders it (kubectl's built-in kustomize), one JSON object each.
rendered_base() {
  kubectl kustomize "$repo/manifests/base" | kubectl create --dry-run=client -o json -f - | jq -s '.'
}

# Installs everything of manifests/base but the webhook configurations (Namespace, ServiceAccount,
# the service's ClusterRole and bindings, policy ConfigMap; the Deployment is stored but never
# runs, there is no kubelet), so the real API server validates those objects too.
install_base() {
  rendered_base | jq '{apiVersion: "v1", kind: "List",
      items: [.[] | select(.kind | endswith("WebhookConfiguration") | not)]}' | kubectl apply -f -
}

# token_kubeconfig NAME TOKEN: a kubeconfig that authenticates with TOKEN only (no client
# certificate, so the admin's certificate can never answer in its place). Prints its path.
token_kubeconfig() {
  local file="$MLFLOW_E2E_DIR/$1.kubeconfig"
  kubectl config view --raw --minify -o json \
    | jq --arg name "$1" --arg token "$2" '.users = [{name: $name, user: {token: $token}}]
        | .contexts[0].context.user = $name' > "$file"
  chmod 600 "$file"
  echo "$file"
}

# The bearer token of a user of the API server's token file (cluster.sh: alice, bob, carol, dave).
user_token() {
  awk -F, -v user="$1" '$2 == user { print $1 }' "$MLFLOW_E2E_DIR/pki/tokens.csv"
}

# A kubeconfig for the service's own ServiceAccount, with a real token from the TokenRequest API
# (kubectl create token), so every call the service makes is checked by RBAC against the
# ClusterRole in manifests/: a call the manifests do not allow fails as it would on a cluster.
service_kubeconfig() {
  token_kubeconfig mlflow-policy-webhook \
    "$(kubectl -n mlflow-policy-webhook create token mlflow-policy-webhook --duration 2h)"
}

# start_webhook KUBECONFIG [NAME [POLICY_DIR [SERVE_ARGS...]]]: starts the packaged jar on loopback
# against the harness's API server (further `serve` flags after the policy) and waits for /readyz;
# its PID goes to $MLFLOW_E2E_DIR/NAME.pid (default NAME webhook) where `cluster.sh down` finds
# it, its log to NAME.log. Prints the port.
start_webhook() {
  local kubeconfig="$1" name="${2:-webhook}" policy="${3:-$repo/policies}"
  shift $(($# < 3 ? $# : 3))
  local jar="$repo/target/mlflow-policy-webhook.jar" certs="$MLFLOW_E2E_DIR/webhook-certs" port
  [[ -f "$jar" ]] || { echo "no $jar: run mvn -B -q package -DskipTests" >&2; return 1; }
  [[ -f "$certs/ca.crt" ]] || "$repo/certs/generate-dev-certs.sh" "$certs" > /dev/null
  port="$(free_port)"
  KUBECONFIG="$kubeconfig" POD_NAMESPACE=mlflow-policy-webhook nohup java -jar "$jar" serve --host 127.0.0.1 --port "$port" --policy "$policy" \
    --tls-cert "$certs/tls.crt" --tls-key "$certs/tls.key" "$@" \
    > "$MLFLOW_E2E_DIR/$name.log" 2>&1 < /dev/null &
  echo $! > "$MLFLOW_E2E_DIR/$name.pid"
  echo "$name" >> "$MLFLOW_E2E_DIR/processes"
  # Generous: the JVM starts, lists namespaces (and RBAC objects) and syncs, on a loaded machine.
  local deadline=$((SECONDS + 180))
  until curl -fsS --max-time 5 --cacert "$certs/ca.crt" "https://127.0.0.1:$port/readyz" > /dev/null 2>&1; do
    if ((SECONDS >= deadline)) || ! kill -0 "$(cat "$MLFLOW_E2E_DIR/$name.pid")" 2>/dev/null; then
      echo "$name did not become ready within 180 s (or exited); last lines of $MLFLOW_E2E_DIR/$name.log:" >&2
      tail -n 30 "$MLFLOW_E2E_DIR/$name.log" >&2
      return 1
    fi
    sleep 0.5
  done
  echo "$port"
}

# The webhook configurations of manifests/base as kustomize renders them (kubectl's built-in
# kustomize), with each clientConfig.service turned into a URL on loopback and the dev CA as
# caBundle; everything else is unchanged, so the API server validates the shipped objects.
render_webhooks() {
  local port="$1" bundle
  bundle="$(base64 -w0 < "$MLFLOW_E2E_DIR/webhook-certs/ca.crt")"
  kubectl kustomize "$repo/manifests/base" \
    | kubectl create --dry-run=client -o json -f - \
    | jq -s --arg port "$port" --arg bundle "$bundle" '
        {apiVersion: "v1", kind: "List",
         items: [.[] | select(.kind | endswith("WebhookConfiguration"))
                 | .webhooks |= map(.clientConfig = {
                     url: "https://127.0.0.1:\($port)\(.clientConfig.service.path)",
                     caBundle: $bundle})]}'
}

# start_tracking_server VENV DIR: MLflow's tracking server (e2e/tracking/install.sh's venv) with the
# Kubernetes workspace provider and auth plugin on loopback against the harness's API server,
# database, artifacts and log in DIR (under $MLFLOW_E2E_DIR); its PID in DIR/mlflow.pid and in
# the harness's process list, so `cluster.sh down` stops it if its test cannot. Waits for
# /health. Prints the port.
start_tracking_server() {
  local venv="$1" dir="$2" port
  port="$(free_port)"
  # The plugin reads the API server's address and CA from KUBECONFIG (the admin's: the workspace
  # provider lists and watches namespaces as the server's own identity) and asks every access
  # review with the caller's token (self_subject_access_review, its default mode). One worker:
  # the machine has two cores, and each worker would keep its own decision cache.
  KUBECONFIG="$KUBECONFIG" nohup "$venv/bin/mlflow" server --host 127.0.0.1 --port "$port" \
    --workers 1 \
    --backend-store-uri "sqlite:///$dir/mlflow.db" --artifacts-destination "$dir/artifacts" \
    --enable-workspaces --workspace-store-uri "kubernetes://" --app-name kubernetes-auth \
    > "$dir/mlflow.log" 2>&1 < /dev/null &
  echo $! > "$dir/mlflow.pid"
  echo "${dir#"$MLFLOW_E2E_DIR"/}/mlflow" >> "$MLFLOW_E2E_DIR/processes"
  # Creating the database and importing MLflow take a minute or more on a loaded 2-core machine.
  local deadline=$((SECONDS + 300))
  until curl -fsS --max-time 5 "http://127.0.0.1:$port/health" > /dev/null 2>&1; do
    if ((SECONDS >= deadline)) || ! kill -0 "$(cat "$dir/mlflow.pid")" 2> /dev/null; then
      echo "the tracking server did not become ready within 300 s; last lines of $dir/mlflow.log:" >&2
      grep -v 'Deprecat\|from starlette' "$dir/mlflow.log" | tail -n 30 >&2
      return 1
    fi
    sleep 1
  done
  echo "$port"
}
