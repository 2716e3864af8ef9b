#!/usr/bin/env bash
# Authorization for real: users (the API server's token file) and ServiceAccounts (kubectl create
# token) bound to the MLflow roles; for a table of questions, /authorize and /authorize/mlflow of
# the packaged jar must agree with the API server's answer to the same token's
# SelfSubjectAccessReview, once with the delegating authority (TokenReview + SubjectAccessReview
# against this API server) and once with the local authority (RBAC informers on this server).
# Needs a running harness (eval "$(e2e/cluster.sh env)"); independent of the other tests.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
work="$MLFLOW_E2E_DIR/authorization"
mkdir -p "$work"
ca="$MLFLOW_E2E_DIR/pki/ca.crt"

say "MLflow roles, two namespaces, bindings as a platform admin would make them"
install_mlflow_and_base || exit 1
kubectl apply -f - > /dev/null << 'EOF'
apiVersion: v1
kind: List
items:
  - {apiVersion: v1, kind: Namespace, metadata: {name: authz-a}}
  - {apiVersion: v1, kind: Namespace, metadata: {name: authz-b}}
  - {apiVersion: v1, kind: ServiceAccount, metadata: {name: pipeline, namespace: authz-a}}
  - {apiVersion: v1, kind: ServiceAccount, metadata: {name: nobody, namespace: authz-b}}
  # alice: the MLflow edit role directly in authz-a, Kubernetes' "edit" (MLflow rules by
  # aggregation) in authz-b.
  - apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata: {name: alice-mlflow-edit, namespace: authz-a}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: mlflow-edit}
    subjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: alice}]
  - apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata: {name: alice-edit, namespace: authz-b}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
    subjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: alice}]
  # bob: through his group, Kubernetes' "view" (aggregated from mlflow-view).
  - apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata: {name: viewers, namespace: authz-a}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
    subjects: [{kind: Group, apiGroup: rbac.authorization.k8s.io, name: authz-a-viewers}]
  # carol: one experiment by name (RBAC resourceNames) in authz-b.
  - apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata: {name: exp-1-editor, namespace: authz-b}
    rules:
      - {apiGroups: [mlflow.kubeflow.org], resources: [experiments], resourceNames: [exp-1], verbs: [get, update]}
  - apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata: {name: carol-exp-1, namespace: authz-b}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: exp-1-editor}
    subjects: [{kind: Group, apiGroup: rbac.authorization.k8s.io, name: authz-b-readers}]
  # The pipeline's ServiceAccount: the integration role in its own namespace.
  - apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata: {name: pipeline-mlflow, namespace: authz-a}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: mlflow-integration}
    subjects: [{kind: ServiceAccount, name: pipeline, namespace: authz-a}]
EOF

declare -A tokens=(
  [alice]="$(user_token alice)" [bob]="$(user_token bob)" [carol]="$(user_token carol)"
  [dave]="$(user_token dave)"
  [sa:authz-a:pipeline]="$(kubectl -n authz-a create token pipeline --duration 1h)"
  [sa:authz-b:nobody]="$(kubectl -n authz-b create token nobody --duration 1h)"
)
identities=(alice bob carol dave sa:authz-a:pipeline sa:authz-b:nobody)

# ssar_body NS VERB RESOURCE SUBRESOURCE NAME: a SelfSubjectAccessReview for mlflow.kubeflow.org.
ssar_body() {
  jq -nc --arg ns "$1" --arg verb "$2" --arg resource "$3" --arg sub "$4" --arg name "$5" '
    {apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview",
     spec: {resourceAttributes: ({namespace: $ns, verb: $verb, group: "mlflow.kubeflow.org",
       resource: $resource} + (if $sub == "" then {} else {subresource: $sub} end)
       + (if $name == "" then {} else {name: $name} end))}}'
}

# review_truth TOKEN BODY: the API server's own answer (true/false) to the token's
# SelfSubjectAccessReview BODY: every authorizer of its chain decides.
review_truth() {
  curl -fsS --max-time 30 --cacert "$ca" -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
    --data "$2" "$MLFLOW_E2E_SERVER/apis/authorization.k8s.io/v1/selfsubjectaccessreviews" \
    | jq -r '.status.allowed // false'
}

# truth TOKEN NS VERB RESOURCE SUBRESOURCE NAME: the same, for the question in words.
truth() {
  local token="$1"; shift
  review_truth "$token" "$(ssar_body "$@")"
}

# The API server's RBAC authorizer reads bindings and aggregated roles through informers:
# wait (bounded) until it sees the last binding and the aggregated "view" (bob) before asking.
deadline=$((SECONDS + 120))
until [[ "$(truth "${tokens[bob]}" authz-a list experiments "" "")" == true \
    && "$(truth "${tokens[sa:authz-a:pipeline]}" authz-a create gatewayendpoints use "")" == true ]]; do
  ((SECONDS < deadline)) || { fail "the API server did not apply the bindings within 120 s"; exit 1; }
  sleep 1
done

# `kubectl auth can-i create experiments.mlflow.kubeflow.org` cannot ask this: discovery does not
# know the plugin's pseudo-resources (no API serves them), so kubectl asks about a resource named
# "experiments.mlflow.kubeflow.org" in the core group and says "no" to everyone (e2e/README.md).
# kubectl's way to ask is the review itself (--validate=false: client-side validation lists
# CRDs, which ordinary users may not), which is what truth() sends; checked here once per kind.
say "kubectl create selfsubjectaccessreview with the same tokens gives the answers used as truth"
for row in "alice authz-a create experiments" "bob authz-a create experiments" \
    "sa:authz-a:pipeline authz-a create gatewayendpoints/use"; do
  read -r who ns verb what <<< "$row"
  config="$(token_kubeconfig "can-i-${who//:/-}" "${tokens[$who]}")"
  resource="${what%%/*}"; sub=""; [[ "$what" == */* ]] && sub="${what#*/}"
  answer="$(ssar_body "$ns" "$verb" "$resource" "$sub" "" \
    | KUBECONFIG="$config" kubectl create --validate=false -f - -o jsonpath='{.status.allowed}' 2>&1 || true)"
  expect_equal "kubectl's review of $verb $what in $ns as $who" "${answer:-false}" \
    "$(truth "${tokens[$who]}" "$ns" "$verb" "$resource" "$sub" "")"
done
expect_equal "kubectl auth can-i cannot ask about a pseudo-resource (answers no for alice)" \
  "$(KUBECONFIG="$MLFLOW_E2E_DIR/can-i-alice.kubeconfig" kubectl auth can-i create \
      experiments.mlflow.kubeflow.org -n authz-a 2> /dev/null || true)" "no"

# A policy for these tests: the shipped one, with its authority set, auto-binding off (no
# bindings written; every instance still campaigns for the reconciler's Lease, which is
# harmless here) and only gatewaysecrets disabled, so
# gatewayendpoints/use is an RBAC question and gatewaysecrets shows the policy overlay.
policy_dir() {
  local dir="$work/policy-$1"
  rm -rf "$dir"; cp -r "$repo/policies" "$dir"
  sed -i -e "s/^    authority: kubernetes\$/    authority: $1/" \
    -e 's/^    enabled: true$/    enabled: false/' \
    -e 's/resources: \[gatewayendpoints, gatewaysecrets, gatewaymodeldefinitions, gatewaybudgets, gatewayguardrails\]/resources: [gatewaysecrets]/' \
    "$dir/policy.yaml"
  grep -q "authority: $1" "$dir/policy.yaml" && grep -q 'resources: \[gatewaysecrets\]' "$dir/policy.yaml" \
    && ! grep -q '^    enabled: true$' "$dir/policy.yaml" \
    || { echo "policies/policy.yaml changed shape; adjust policy_dir in $0" >&2; return 1; }
  echo "$dir"
}

say "start the jar twice as its ServiceAccount: authority kubernetes, authority local"
service_config="$(service_kubeconfig)"
declare -A ports
for authority in kubernetes local; do
  ports[$authority]="$(start_webhook "$service_config" "authz-$authority" "$(policy_dir "$authority")")"
done
webhook_ca="$MLFLOW_E2E_DIR/webhook-certs/ca.crt"

# ask PORT PATH TOKEN BODY: the service's answer as JSON.
ask() {
  curl -sS --max-time 30 --cacert "$webhook_ca" -H "Authorization: Bearer $3" \
    -H 'Content-Type: application/json' --data "$4" "https://127.0.0.1:$1$2"
}

# Questions: namespace verb resource[/subresource] [name]
questions=(
  "authz-a create experiments" "authz-a get experiments" "authz-a delete experiments"
  "authz-a list registeredmodels" "authz-a update datasets" "authz-a get mlflowconfigs"
  "authz-a create gatewayendpoints/use" "authz-a get gatewayendpoints" "authz-a create gatewaymodeldefinitions/use"
  "authz-a get mcpservers" "authz-a create mcpservers"
  "authz-a get gatewaysecrets" "authz-a create gatewaysecrets/use"
  "authz-b get experiments" "authz-b update experiments" "authz-b delete registeredmodels"
  "authz-b get experiments exp-1" "authz-b update experiments exp-1" "authz-b get experiments exp-2"
)

say "/authorize agrees with the API server for ${#identities[@]} identities x ${#questions[@]} questions, both authorities"
table="$work/authorize-table.txt"
: > "$table"
allowed_rows=0 overlay_rows=0
for who in "${identities[@]}"; do
  for question in "${questions[@]}"; do
    read -r ns verb what name <<< "$question"
    resource="${what%%/*}"; sub=""; [[ "$what" == */* ]] && sub="${what#*/}"
    body="$(ssar_body "$ns" "$verb" "$resource" "$sub" "${name:-}")"
    expected="$(review_truth "${tokens[$who]}" "$body")"
    [[ "$expected" == true ]] && allowed_rows=$((allowed_rows + 1))
    # The policy overlay: a disabled resource is denied whatever RBAC says.
    if [[ "$resource" == gatewaysecrets ]]; then
      [[ "$expected" == true ]] && overlay_rows=$((overlay_rows + 1))
      expected=false
    fi
    line="$who $question: api-server=$expected"
    for authority in kubernetes local; do
      answer="$(ask "${ports[$authority]}" /authorize "${tokens[$who]}" "$body")"
      got="$(jq -r 'if .status.allowed == null then "no-status" else .status.allowed end' <<< "$answer" 2> /dev/null || echo unreadable)"
      line+=" $authority=$got"
      if [[ "$got" != "$expected" ]]; then
        fail "/authorize ($authority) as $who, $verb $what ${name:+name $name }in $ns: $got, the API server says $expected: $answer"
      fi
    done
    echo "$line" >> "$table"
  done
done
echo "the table ($table):" >&2
column -t < "$table" >&2 || cat "$table" >&2
# The table must exercise both answers, and the overlay must have denied something RBAC allows.
((allowed_rows >= 10)) && pass "the table has $allowed_rows allowed questions" \
  || fail "only $allowed_rows allowed questions: the bindings did not take effect"
((overlay_rows >= 1)) && pass "the policy denied $overlay_rows gatewaysecrets questions RBAC allows" \
  || fail "no gatewaysecrets question was allowed by RBAC: the overlay went untested"

say "/authorize/mlflow agrees with the API server on the checks of each route"
: > "$work/routes-table.txt"
# Routes: workspace method path name checks (resource[/sub]:verb, comma-separated, as in
# policies/mlflow-routes.yaml; all of these are byName routes).
routes=(
  "authz-a POST /api/2.0/mlflow/runs/create - experiments:update"
  "authz-a GET /api/2.0/mlflow/experiments/get - experiments:get"
  "authz-a POST /api/2.0/mlflow/experiments/delete - experiments:delete"
  "authz-a POST /api/3.0/mlflow/datasets/d-1/add-experiments - datasets:update,experiments:update"
  "authz-a POST /gateway/chat/mlflow/invocations - gatewayendpoints/use:create"
  "authz-b POST /api/2.0/mlflow/runs/create exp-1 experiments:update"
  "authz-b GET /api/2.0/mlflow/experiments/get exp-2 experiments:get"
)
for who in "${identities[@]}"; do
  for route in "${routes[@]}"; do
    read -r ws method path name checks <<< "$route"
    [[ "$name" == - ]] && name=""
    # The plugin's rule: every check must pass, each either unnamed or, failing that, for the
    # named object.
    expected=true
    IFS=, read -ra list <<< "$checks"
    for check in "${list[@]}"; do
      what="${check%%:*}"; verb="${check#*:}"
      resource="${what%%/*}"; sub=""; [[ "$what" == */* ]] && sub="${what#*/}"
      ok="$(truth "${tokens[$who]}" "$ws" "$verb" "$resource" "$sub" "")"
      if [[ "$ok" != true && -n "$name" ]]; then
        ok="$(truth "${tokens[$who]}" "$ws" "$verb" "$resource" "$sub" "$name")"
      fi
      [[ "$ok" == true ]] || expected=false
    done
    body="$(jq -nc --arg ws "$ws" --arg method "$method" --arg path "$path" --arg name "$name" \
      '{workspace: $ws, method: $method, path: $path} + (if $name == "" then {} else {name: $name} end)')"
    for authority in kubernetes local; do
      answer="$(ask "${ports[$authority]}" /authorize/mlflow "${tokens[$who]}" "$body")"
      got="$(jq -r 'if .allowed == null then "no-answer" else .allowed end' <<< "$answer" 2> /dev/null || echo unreadable)"
      if [[ "$got" != "$expected" ]]; then
        fail "/authorize/mlflow ($authority) as $who, $method $path in $ws ${name:+name $name}: $got, the API server says $expected: $answer"
      fi
    done
    echo "$who $route: api-server=$expected" >> "$work/routes-table.txt"
  done
done
pass "route answers compared: $(wc -l < "$work/routes-table.txt") (identity, route) pairs, both authorities"

say "an unknown token gets 401 from both, as the API server does"
for authority in kubernetes local; do
  status="$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 --cacert "$webhook_ca" \
    -H 'Authorization: Bearer not-a-token' -H 'Content-Type: application/json' \
    --data "$(ssar_body authz-a get experiments "" "")" "https://127.0.0.1:${ports[$authority]}/authorize")"
  expect_equal "/authorize ($authority) with an unknown token" "$status" 401
done

((failures == 0)) || { echo "authorization: $failures failure(s); logs in $MLFLOW_E2E_DIR" >&2; exit 1; }
echo "authorization: all passed" >&2
