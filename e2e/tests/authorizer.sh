#!/usr/bin/env bash
# The service as a webhook authorizer in the real API server's chain (issue #17, "measured and
# tested"; issue #20 (b)): the shipped control-plane files (manifests/authorizer/control-plane)
# installed into the running kube-apiserver by rewriting its --authorization-config file (it
# reloads it), then real tokens ask through SelfSubjectAccessReviews and the admin through
# SubjectAccessReviews, and the real tracking server's unmodified plugin refuses what the policy
# disables. At the end the jar is stopped (failurePolicy NoOpinion: RBAC decides
# again) and the harness's own configuration is put back.
# Needs a running harness (eval "$(e2e/cluster.sh env)"); independent of the other tests.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
work="$MLFLOW_E2E_DIR/authorizer"
rm -rf "$work"; mkdir -p "$work"
shipped="$repo/manifests/authorizer/control-plane"
authz_config="$MLFLOW_E2E_DIR/authorization-config.yaml"
webhook_ca="$MLFLOW_E2E_DIR/webhook-certs/ca.crt"
secrets_reason="gateway secrets are off on this platform (e2e)"
endpoints_reason="the AI Gateway is on only in namespaces labelled mlflow-policy.io/ai-gateway=enabled"

# The harness's configuration goes back on any exit, so later tests do not pay a dead webhook.
cp "$authz_config" "$work/harness-authorization-config.yaml"
restore_config() {
  cp "$work/harness-authorization-config.yaml" "$authz_config.new" && mv "$authz_config.new" "$authz_config"
}
# stop_pid FILE: stops the process in the pid file by its PID (TERM, then KILL after 30 s).
stop_pid() {
  [[ -f "$1" ]] || return 0
  local pid
  pid="$(cat "$1")"
  kill -TERM "$pid" 2> /dev/null || true
  for _ in $(seq 1 300); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2> /dev/null && { echo "pid $pid ignored SIGTERM for 30 s; killing it" >&2; kill -KILL "$pid"; }
  rm -f "$1"
}
trap 'stop_pid "$work/tracking/mlflow.pid"; restore_config' EXIT

say "namespaces chain-a (no label) and chain-b (AI Gateway label), a ServiceAccount RBAC lets use the gateway"
install_mlflow_and_base || exit 1
kubectl apply -f - > /dev/null << 'EOF'
apiVersion: v1
kind: List
items:
  - {apiVersion: v1, kind: Namespace, metadata: {name: chain-a}}
  - {apiVersion: v1, kind: Namespace, metadata: {name: chain-b, labels: {mlflow-policy.io/ai-gateway: enabled}}}
  - {apiVersion: v1, kind: ServiceAccount, metadata: {name: gateway-user, namespace: chain-a}}
  - apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata: {name: e2e-chain-gateway-user}
    rules:
      - apiGroups: [mlflow.kubeflow.org]
        resources: [experiments, gatewaysecrets, gatewayendpoints, gatewayendpoints/use]
        verbs: [get, list, create, update, delete]
      - {apiGroups: [""], resources: [configmaps], verbs: [get, list]}
  - apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata: {name: gateway-user, namespace: chain-a}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: e2e-chain-gateway-user}
    subjects: [{kind: ServiceAccount, name: gateway-user, namespace: chain-a}]
  - apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata: {name: gateway-user, namespace: chain-b}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: e2e-chain-gateway-user}
    subjects: [{kind: ServiceAccount, name: gateway-user, namespace: chain-a}]
EOF
user="system:serviceaccount:chain-a:gateway-user"
user_config="$(token_kubeconfig chain-gateway-user "$(kubectl -n chain-a create token gateway-user --duration 1h)")"

# review KIND NS VERB RESOURCE [SUBRESOURCE [NAME]]: the API server's answer to a
# SelfSubjectAccessReview (with the user's token) or a SubjectAccessReview about the user (as
# the admin), as one line "allowed=<bool> denied=<bool> reason=<text>".
review() {
  local kind="$1" ns="$2" verb="$3" resource="$4" sub="${5:-}" name="${6:-}" config="$user_config" body
  body="$(jq -nc --arg kind "$kind" --arg ns "$ns" --arg verb "$verb" --arg resource "$resource" \
      --arg sub "$sub" --arg name "$name" --arg user "$user" '
    {apiVersion: "authorization.k8s.io/v1", kind: $kind,
     spec: ({resourceAttributes: ({namespace: $ns, verb: $verb, group: "mlflow.kubeflow.org",
       resource: $resource} + (if $sub == "" then {} else {subresource: $sub} end)
       + (if $name == "" then {} else {name: $name} end))}
       + (if $kind == "SubjectAccessReview" then {user: $user,
           groups: ["system:serviceaccounts", "system:serviceaccounts:chain-a", "system:authenticated"]}
          else {} end))}')"
  [[ "$kind" == SubjectAccessReview ]] && config="$KUBECONFIG"
  # --validate=false: client-side validation lists CRDs, which the user may not (e2e/README.md).
  KUBECONFIG="$config" kubectl create --validate=false -o json -f - <<< "$body" \
    | jq -r '"allowed=\(.status.allowed // false) denied=\(.status.denied // false) reason=\(.status.reason // "")"'
}

# wait_for_answer WHAT SECONDS EXPECTED REVIEW_ARGS...: asks until the answer starts with EXPECTED.
wait_for_answer() {
  local what="$1" seconds="$2" expected="$3"; shift 3
  local deadline=$((SECONDS + seconds)) answer
  until answer="$(review "$@" 2> "$work/review.err")" && [[ "$answer" == "$expected"* ]]; do
    if ((SECONDS >= deadline)); then
      fail "$what: still '$answer' after $seconds s (expected '$expected') $(cat "$work/review.err")"
      return 1
    fi
    sleep 1
  done
  pass "$what"
}

# Before the webhook: RBAC alone allows everything the user is bound to (and the API server's
# RBAC authorizer has seen the bindings: wait, bounded).
wait_for_answer "before the webhook, RBAC lets the user create gatewaysecrets in chain-a" 120 \
  "allowed=true denied=false reason=" SelfSubjectAccessReview chain-a create gatewaysecrets
expect_contains "before the webhook, RBAC lets the user list gatewaysecrets in chain-a (the tracking server's question below)" \
  "$(review SelfSubjectAccessReview chain-a list gatewaysecrets)" "allowed=true denied=false"

say "the API server's client certificate from the shipped issue-client-cert.sh"
pki="$work/authz"
(cd "$work" && "$shipped/issue-client-cert.sh" "$pki") > "$work/issue-client-cert.out" 2>&1 \
  || { fail "issue-client-cert.sh: $(cat "$work/issue-client-cert.out")"; exit 1; }
# The script copies the serving CA from the cluster's Secret; here the jar serves the dev certificate.
[[ -f "$webhook_ca" ]] || "$repo/certs/generate-dev-certs.sh" "$MLFLOW_E2E_DIR/webhook-certs" > /dev/null
cp "$webhook_ca" "$pki/mlflow-policy-webhook-serving-ca.crt"

say "the jar with the authorizer port: gatewaysecrets off everywhere, gatewayendpoints off but where labelled"
mkdir -p "$work/policy"
cat > "$work/policy/policy.yaml" << EOF
apiVersion: policy.mlflow-webhook.io/v1alpha1
kind: MLflowPolicy
metadata: {name: e2e-authorizer}
spec:
  environments:
    - name: development
      default: true
  authorization:
    disabled:
      - resources: [gatewaysecrets]
        reason: "$secrets_reason"
      - resources: [gatewayendpoints]
        reason: "$endpoints_reason"
        except:
          namespaceSelector:
            matchLabels: {mlflow-policy.io/ai-gateway: enabled}
  serviceAccountBinding: {enabled: false}
EOF
authorizer_port="$(free_port)"
port="$(start_webhook "$(service_kubeconfig)" authorizer "$work/policy" \
  --authorizer-port "$authorizer_port" --authorizer-client-ca "$pki/authorizer-client-ca.crt")" \
  || { fail "the jar did not start with the authorizer port"; exit 1; }

# metric NAME_AND_LABEL_REGEX: the sum of the service's matching Prometheus samples.
metric() {
  curl -fsS --max-time 30 --cacert "$webhook_ca" "https://127.0.0.1:$port/metrics" \
    | awk -v pattern="$1" '$0 !~ /^#/ && $1 ~ pattern { sum += $2 } END { printf "%d\n", sum }'
}
authorizer_requests() { metric '^mlflow_webhook_authorization_seconds_count\{.*source="authorizer"'; }
upstream_calls() { metric '^mlflow_webhook_authorization_upstream_seconds_count'; }
# The cluster client's requests (Vert.x's own metrics): the informers GET and watch; a
# SubjectAccessReview or TokenReview would be a POST.
client_requests() { metric "^vertx_http_client_requests_total\\{.*method=\"$1\""; }

say "the webhook kubeconfig and the AuthorizationConfiguration from the shipped files"
sed -e "s|/etc/kubernetes/authz/|$pki/|" \
    -e "s|server: https://10.96.200.200:8444/authorizer|server: https://127.0.0.1:$authorizer_port/authorizer|" \
    "$shipped/mlflow-policy-webhook.kubeconfig" > "$pki/mlflow-policy-webhook.kubeconfig"
grep -q "server: https://127.0.0.1:$authorizer_port/authorizer" "$pki/mlflow-policy-webhook.kubeconfig" \
  && ! grep -q /etc/kubernetes "$pki/mlflow-policy-webhook.kubeconfig" \
  || { fail "the shipped kubeconfig changed shape; adjust $0"; exit 1; }
# The shipped order (node, webhook, rbac) without Node: the harness has no nodes, and a reload
# may not add or remove non-webhook authorizers. Everything else as shipped.
awk '/^  - type: Node$/ { skip = 1; next } skip && /^    name: node$/ { skip = 0; next } { skip = 0; print }' \
  "$shipped/authorization-config.yaml" \
  | sed -e "s|kubeConfigFile: /etc/kubernetes/authz/|kubeConfigFile: $pki/|" > "$work/authorization-config.yaml"
expected_types="$(grep -E '^  - type: ' "$shipped/authorization-config.yaml" | grep -v Node)"
[[ "$(grep -E '^  - type: ' "$work/authorization-config.yaml")" == "$expected_types" ]] \
  && grep -qF "$(grep -F 'expression:' "$shipped/authorization-config.yaml")" "$work/authorization-config.yaml" \
  && grep -q "kubeConfigFile: $pki/mlflow-policy-webhook.kubeconfig" "$work/authorization-config.yaml" \
  || { fail "the shipped AuthorizationConfiguration changed shape; adjust $0"; exit 1; }

say "installed into the running API server (it reloads --authorization-config); waiting until in force"
cp "$work/authorization-config.yaml" "$authz_config.new" && mv "$authz_config.new" "$authz_config"
installed=$SECONDS
# The API server watches the file (and polls it every minute); generous for a loaded machine.
wait_for_answer "the webhook is in force: gatewaysecrets in chain-a now denied by the policy" 180 \
  "allowed=false denied=true reason=$secrets_reason" SelfSubjectAccessReview chain-a create gatewaysecrets \
  || { grep -i "authoriz" "$MLFLOW_E2E_DIR/kube-apiserver.log" | tail -n 20 >&2; exit 1; }
say "in force $((SECONDS - installed)) s after the file changed"

upstream_before="$(upstream_calls)"
# The binding reconciler campaigns for its Lease even when auto-binding is off, and creating the
# Lease is a POST: count from when it has seen a leader (it logs that after its first request).
deadline=$((SECONDS + 120))
until grep -q "binding reconciler leader: " "$MLFLOW_E2E_DIR/authorizer.log"; do
  ((SECONDS < deadline)) || { fail "the jar's Lease election saw no leader within 120 s"; break; }
  sleep 1
done
posts_before="$(client_requests POST)"
for kind in SelfSubjectAccessReview SubjectAccessReview; do
  expect_contains "$kind: gatewaysecrets create in chain-a (RBAC allows) is denied with the policy's reason" \
    "$(review "$kind" chain-a create gatewaysecrets "" "$kind")" "allowed=false denied=true reason=$secrets_reason ("
  expect_contains "$kind: gatewaysecrets get in chain-b (labelled, RBAC allows) is denied too: off everywhere" \
    "$(review "$kind" chain-b get gatewaysecrets "" "$kind")" "allowed=false denied=true reason=$secrets_reason ("
  expect_contains "$kind: gatewayendpoints/use in chain-b (labelled) is RBAC's: allowed" \
    "$(review "$kind" chain-b create gatewayendpoints use "$kind")" "allowed=true denied=false"
  expect_contains "$kind: gatewayendpoints create in chain-a (not labelled) is denied with the policy's reason" \
    "$(review "$kind" chain-a create gatewayendpoints "" "$kind")" \
    "allowed=false denied=true reason=$endpoints_reason (gatewayendpoints is disabled by platform policy outside selected namespaces; namespace 'chain-a' is not selected)"
  expect_contains "$kind: experiments create in chain-a (no opinion, RBAC allows) is allowed" \
    "$(review "$kind" chain-a create experiments "" "$kind")" "allowed=true denied=false"
  expect_contains "$kind: experiments create in default (no opinion, no binding) is not allowed and not denied" \
    "$(review "$kind" default create experiments "" "$kind")" "allowed=false denied=false"
done

say "a request outside mlflow.kubeflow.org never reaches the webhook (the match condition)"
# An mlflow question the API server has not cached reaches it (so the counter does count) ...
before="$(authorizer_requests)"
review SelfSubjectAccessReview chain-a delete experiments "" counted > /dev/null
after="$(authorizer_requests)"
((after > before)) && pass "an uncached mlflow.kubeflow.org question reached the webhook ($before -> $after)" \
  || fail "an uncached mlflow.kubeflow.org question did not reach the webhook ($before -> $after)"
# ... and real requests and reviews of other groups do not.
before="$after"
KUBECONFIG="$user_config" kubectl get configmaps -n chain-a > /dev/null 2>&1 \
  || fail "the user could not list configmaps in chain-a (RBAC allows it)"
KUBECONFIG="$user_config" kubectl get secrets -n chain-a > /dev/null 2>&1 \
  && fail "the user could list secrets in chain-a (RBAC does not allow it)"
jq -nc '{apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview",
    spec: {resourceAttributes: {namespace: "chain-a", verb: "create",
      group: "mlflow.opendatahub.io", resource: "mlflows"}}}' \
  | KUBECONFIG="$user_config" kubectl create --validate=false -o json -f - > /dev/null
kubectl get --raw /api > /dev/null
expect_equal "authorizer requests after configmaps/secrets lists and an mlflow.opendatahub.io review" \
  "$(authorizer_requests)" "$before"
expect_equal "calls to the API server made while answering (upstream metric)" "$(upstream_calls)" "$upstream_before"

say "label changes: chain-a labelled, chain-b unlabelled (the API server caches answers up to unauthorizedTTL 30s)"
kubectl label namespace chain-a mlflow-policy.io/ai-gateway=enabled > /dev/null
kubectl label namespace chain-b mlflow-policy.io/ai-gateway- > /dev/null
labelled=$SECONDS
# The very questions answered above, so the API server's cached answers are what changes.
wait_for_answer "gatewayendpoints create in chain-a, now labelled: allowed (RBAC's)" 120 \
  "allowed=true denied=false" SelfSubjectAccessReview chain-a create gatewayendpoints "" SelfSubjectAccessReview || true
wait_for_answer "gatewayendpoints/use in chain-b, no longer labelled: denied" 120 \
  "allowed=false denied=true reason=$endpoints_reason (" \
  SelfSubjectAccessReview chain-b create gatewayendpoints use SelfSubjectAccessReview || true
say "label changes in force within $((SECONDS - labelled)) s"
expect_contains "gatewaysecrets stay denied in the newly labelled chain-a" \
  "$(review SubjectAccessReview chain-a create gatewaysecrets "" after-label)" \
  "allowed=false denied=true reason=$secrets_reason ("
expect_equal "no call to the API server while answering, all along" "$(upstream_calls)" "$upstream_before"
gets="$(client_requests GET)"
((gets > 0)) && pass "the cluster client's request metric is there ($gets GETs: namespace informer)" \
  || fail "no vertx_http_client_requests_total GET samples: the metric's name changed?"
expect_equal "POSTs of the cluster client (SubjectAccessReview, TokenReview) all along" \
  "$(client_requests POST)" "$posts_before"

say "the real tracking server, its plugin unmodified, behind this API server (issue #20 (b))"
venv="$("$repo/e2e/tracking/install.sh")" || { fail "the tracking server's venv could not be installed"; exit 1; }
mkdir -p "$work/tracking"
tracking_port="$(start_tracking_server "$venv" "$work/tracking")" \
  || { fail "the tracking server did not start"; exit 1; }
# status METHOD PATH [BODY]: the tracking server's HTTP status for the user in workspace chain-a.
status() {
  curl -sS --max-time 60 -o "$work/tracking/response.json" -w '%{http_code}' -X "$1" \
    -H "Authorization: Bearer $(kubectl config view --raw -o jsonpath='{.users[0].user.token}' --kubeconfig "$user_config")" \
    -H 'X-MLFLOW-WORKSPACE: chain-a' -H 'Content-Type: application/json' \
    ${3:+--data "$3"} "http://127.0.0.1:$tracking_port$2"
}
before="$(authorizer_requests)"
expect_equal "the plugin refuses listing gateway secrets in chain-a (RBAC allows, the policy does not)" \
  "$(status GET /api/3.0/mlflow/gateway/secrets/list)" 403
cp "$work/tracking/response.json" "$work/tracking/refusal.json"
expect_equal "the plugin serves listing gateway endpoints in chain-a (labelled, RBAC allows)" \
  "$(status GET /api/3.0/mlflow/gateway/endpoints/list)" 200
expect_equal "the plugin serves creating an experiment in chain-a (no opinion, RBAC allows)" \
  "$(status POST /api/2.0/mlflow/experiments/create '{"name": "through-the-chain"}')" 200
after="$(authorizer_requests)"
((after > before)) && pass "the plugin's reviews went through the webhook ($before -> $after)" \
  || fail "the plugin's reviews did not reach the webhook ($before -> $after)"
stop_pid "$work/tracking/mlflow.pid"

say "the webhook down: failurePolicy NoOpinion, RBAC decides again"
fail_open() {
  kubectl get --raw /metrics \
    | awk '$1 ~ /^apiserver_authorization_webhook_evaluations_fail_open_total/ { sum += $2 } END { printf "%d\n", sum }'
}
fail_open_before="$(fail_open)"
stop_pid "$MLFLOW_E2E_DIR/authorizer.pid"
asked=$SECONDS
# A name never asked before, so no cached answer stands in for the webhook.
expect_contains "webhook down: gatewaysecrets create in chain-a allowed again by RBAC (fail open)" \
  "$(review SelfSubjectAccessReview chain-a create gatewaysecrets "" while-down)" "allowed=true denied=false"
say "that review took $((SECONDS - asked)) s with the webhook down"
expect_contains "webhook down: experiments create in default still not allowed" \
  "$(review SelfSubjectAccessReview default create experiments "" while-down)" "allowed=false denied=false"
fail_open_after="$(fail_open)"
((fail_open_after > fail_open_before)) \
  && pass "the API server counted the fail-open evaluations ($fail_open_before -> $fail_open_after)" \
  || fail "apiserver_authorization_webhook_evaluations_fail_open_total did not grow ($fail_open_before -> $fail_open_after)"

say "the harness's configuration back"
restore_config
trap - EXIT
# Back in force when a new question no longer fails open (nothing left to call).
deadline=$((SECONDS + 180))
while :; do
  before="$(fail_open)"
  review SelfSubjectAccessReview chain-a create gatewaysecrets "" "restored-$SECONDS" > /dev/null
  [[ "$(fail_open)" == "$before" ]] && break
  ((SECONDS < deadline)) || { fail "the API server still called the webhook 180 s after the restore"; break; }
  sleep 1
done

((failures == 0)) || { echo "authorizer: $failures check(s) failed" >&2; exit 1; }
