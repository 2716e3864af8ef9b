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

# A kubeconfig for the service's own ServiceAccount, with a real token from the TokenRequest API
# (kubectl create token), so every call the service makes is checked by RBAC against the
# ClusterRole in manifests/: a call the manifests do not allow fails as it would on a cluster.
service_kubeconfig() {
  local file="$MLFLOW_E2E_DIR/service.kubeconfig" token
  token="$(kubectl -n mlflow-policy-webhook create token mlflow-policy-webhook --duration 2h)"
  kubectl config view --raw --minify -o json \
    | jq --arg token "$token" '.users = [{name: "mlflow-policy-webhook", user: {token: $token}}]
        | .contexts[0].context.user = "mlflow-policy-webhook"' > "$file"
  chmod 600 "$file"
  echo "$file"
}

# Starts the packaged jar on loopback against the harness's API server with KUBECONFIG_FILE and
# waits for /readyz; its PID goes where `cluster.sh down` finds it. Prints the port.
start_webhook() {
  local kubeconfig="$1"
  local jar="$repo/target/mlflow-policy-webhook.jar" certs="$MLFLOW_E2E_DIR/webhook-certs" port
  [[ -f "$jar" ]] || { echo "no $jar: run mvn -B -o -q package -DskipTests" >&2; return 1; }
  "$repo/certs/generate-dev-certs.sh" "$certs" > /dev/null
  port="$(free_port)"
  KUBECONFIG="$kubeconfig" POD_NAMESPACE=mlflow-policy-webhook nohup java -jar "$jar" serve --host 127.0.0.1 --port "$port" --policy "$repo/policies" \
    --tls-cert "$certs/tls.crt" --tls-key "$certs/tls.key" \
    > "$MLFLOW_E2E_DIR/webhook.log" 2>&1 < /dev/null &
  echo $! > "$MLFLOW_E2E_DIR/webhook.pid"
  echo webhook >> "$MLFLOW_E2E_DIR/processes"
  local deadline=$((SECONDS + 120))
  until curl -fsS --max-time 2 --cacert "$certs/ca.crt" "https://127.0.0.1:$port/readyz" > /dev/null 2>&1; do
    if ((SECONDS >= deadline)) || ! kill -0 "$(cat "$MLFLOW_E2E_DIR/webhook.pid")" 2>/dev/null; then
      echo "the webhook did not become ready; last lines of its log:" >&2
      tail -n 30 "$MLFLOW_E2E_DIR/webhook.log" >&2
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
