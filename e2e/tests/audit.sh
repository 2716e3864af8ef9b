#!/usr/bin/env bash
# The background audit (issue #16) against the real API server: objects that break the policy
# exist before the service starts; the service reports them on GET /audit and as Events on the
# objects (and, in a build that writes policy reports, as wgpolicyk8s.io reports), writes no new
# Event while nothing changes, tells when the object is fixed, and its report goes with the
# object (kube-controller-manager's garbage collector). Runs alone (e2e/run.sh audit) or after
# admission.sh, whose webhook configurations it sets aside while it creates what they refuse.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
work="$MLFLOW_E2E_DIR/audit"
mkdir -p "$work"
certs="$MLFLOW_E2E_DIR/webhook-certs"
jar="$repo/target/mlflow-policy-webhook.jar"

say "install the MLflow CRD and roles, manifests/base and manifests/reports/wgpolicyk8s"
install_mlflow_and_base || exit 1
if ! kubectl apply --server-side -k "$repo/manifests/reports/wgpolicyk8s" > "$work/apply-reports.out" 2>&1; then
  fail "the API server refused manifests/reports/wgpolicyk8s: $(cat "$work/apply-reports.out")"
  exit 1
fi
for crd in clusterpolicyreports.wgpolicyk8s.io policyreports.wgpolicyk8s.io; do
  deadline=$((SECONDS + 120))
  until kubectl wait --for=condition=Established --timeout=5s "crd/$crd" > /dev/null 2>&1; do
    ((SECONDS < deadline)) || { fail "$crd was not Established within 120 s"; exit 1; }
    sleep 1
  done
done
pass "the report CRDs of manifests/reports/wgpolicyk8s are Established"

# Another test's webhook configurations (admission.sh's, pointing at its jar) would refuse the
# objects this test needs: set them aside, and put them back however this script ends.
kubectl get validatingwebhookconfigurations,mutatingwebhookconfigurations \
  -l app.kubernetes.io/name=mlflow-policy-webhook -o json > "$work/webhooks-aside.json"
restore_webhooks() {
  if [[ "$(jq '.items | length' "$work/webhooks-aside.json")" != 0 ]]; then
    jq '{apiVersion: "v1", kind: "List", items: [.items[] | del(.metadata.resourceVersion,
        .metadata.uid, .metadata.creationTimestamp, .metadata.generation, .metadata.managedFields)]}' \
      "$work/webhooks-aside.json" | kubectl apply -f - > /dev/null
  fi
  local name
  for name in audit-webhook audit-webhook-2; do
    if [[ -f "$MLFLOW_E2E_DIR/$name.pid" ]]; then
      kill "$(cat "$MLFLOW_E2E_DIR/$name.pid")" 2> /dev/null || true
    fi
  done
}
trap restore_webhooks EXIT
if [[ "$(jq '.items | length' "$work/webhooks-aside.json")" != 0 ]]; then
  jq -r '.items[] | "\(.kind | ascii_downcase)/\(.metadata.name)"' "$work/webhooks-aside.json" \
    | xargs kubectl delete > /dev/null
fi

say "before the service starts: a production SQLite MLflow CR, and the integration role bound to everyone"
kubectl create namespace audit-prod > /dev/null
kubectl label namespace audit-prod mlflow-policy.io/environment=production > /dev/null
kubectl create namespace audit-dev > /dev/null
kubectl label namespace audit-dev mlflow-audit-e2e=dev > /dev/null
# No workspaceLabelSelector: the instance serves every namespace, audit-prod included.
cp "$repo/e2e/fixtures/mlflow-sqlite.yaml" "$work/sqlite.yaml"
kubectl create -f "$work/sqlite.yaml" > /dev/null
kubectl apply -f - > /dev/null << 'EOF'
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: everyone-mlflow, namespace: audit-dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: mlflow-integration}
subjects:
  - {kind: Group, apiGroup: rbac.authorization.k8s.io, name: system:authenticated}
EOF
mlflow_uid="$(kubectl get mlflows.mlflow.opendatahub.io mlflow -o jsonpath='{.metadata.uid}')"
binding_uid="$(kubectl -n audit-dev get rolebinding everyone-mlflow -o jsonpath='{.metadata.uid}')"

say "start the packaged jar as its ServiceAccount (audit every 10 s)"
# Its own Lease identity: a jar of another test (same host name) must not count as this one.
started=$SECONDS
port="$(HOSTNAME=audit-webhook start_webhook "$(service_kubeconfig)" audit-webhook "$repo/policies" \
  --audit-interval 10s)"

# audit_json: GET /audit, to $work/audit.json.
audit_json() {
  curl -fsS --max-time 5 --cacert "$certs/ca.crt" "https://127.0.0.1:$port/audit" > "$work/audit.json"
}
# results KIND NAME: the object's "result rule" lines in $work/audit.json, sorted.
results() {
  jq -r --arg kind "$1" --arg name "$2" \
    '.objects[] | select(.kind == $kind and .name == $name) | .results[] | "\(.result) \(.rule)"' \
    "$work/audit.json" | sort
}

say "GET /audit reports both objects as failing, complete"
deadline=$((SECONDS + 120))
until audit_json 2> /dev/null && [[ "$(jq -r .complete "$work/audit.json")" == true ]] \
    && [[ "$(results MLflow mlflow)" == *"fail "* ]] \
    && [[ "$(results RoleBinding everyone-mlflow)" == *"fail "* ]]; do
  ((SECONDS < deadline)) || break
  sleep 1
done
echo "audit after $((SECONDS - started)) s: $(jq -c .summary "$work/audit.json" 2> /dev/null)" >&2
expect_equal "/audit is complete" "$(jq -r .complete "$work/audit.json")" true
expect_equal "/audit names the shipped policy" "$(jq -r .policy.name "$work/audit.json")" default
expect_contains "/audit: the SQLite instance fails on its store" "$(results MLflow mlflow)" \
  "fail metadata-store-scheme"
expect_contains "/audit: the binding to everyone fails" "$(results RoleBinding everyone-mlflow)" "fail "
expect_equal "/audit carries the CR's uid" "$(jq -r '.objects[] | select(.kind == "MLflow") | .uid' \
  "$work/audit.json")" "$mlflow_uid"
curl -fsS --max-time 5 --cacert "$certs/ca.crt" "https://127.0.0.1:$port/audit?result=fail" \
  > "$work/audit-fail.json"
expect_equal "/audit?result=fail holds only fail results" \
  "$(jq -r '[.objects[].results[].result] | unique | join(",")' "$work/audit-fail.json")" fail

# events NAMESPACE NAME: the Events about object NAME as kubectl shows them, to $work/events.json;
# only this object's (by uid): an earlier test's CR of the same name may have Events too.
events() {
  local uid="$mlflow_uid"
  [[ "$2" == mlflow ]] || uid="$binding_uid"
  kubectl -n "$1" get events --field-selector "involvedObject.name=$2,involvedObject.uid=$uid" \
    -o json > "$work/events.json"
}
# count_events REASON: how many of $work/events.json have that reason.
count_events() {
  jq --arg reason "$1" '[.items[] | select(.reason == $reason)] | length' "$work/events.json"
}
# wait_events NAMESPACE NAME REASON: until such an Event exists (bounded); false when none came.
wait_events() {
  local deadline=$((SECONDS + 120))
  while ((SECONDS < deadline)); do
    events "$1" "$2"
    [[ "$(count_events "$3")" != 0 ]] && return 0
    sleep 1
  done
  return 1
}

say "Events on the objects: a Warning PolicyViolation each (the cluster-scoped CR's in default)"
if wait_events default mlflow PolicyViolation; then
  pass "a PolicyViolation Event on MLflow/mlflow after $((SECONDS - started)) s"
  event="$(jq -c '[.items[] | select(.reason == "PolicyViolation")][0]' "$work/events.json")"
  expect_equal "its type" "$(jq -r .type <<< "$event")" Warning
  expect_equal "its object" "$(jq -r '.involvedObject | "\(.apiVersion) \(.kind) \(.name) \(.uid)"' \
    <<< "$event")" "mlflow.opendatahub.io/v1 MLflow mlflow $mlflow_uid"
  expect_equal "its controller" "$(jq -r .reportingComponent <<< "$event")" mlflow-policy-webhook
  expect_contains "its message names the rule" "$(jq -r .message <<< "$event")" \
    "fail metadata-store-scheme"
  echo "kubectl describe shows: $(jq -r .message <<< "$event" | cut -c1-300)" >&2
else
  fail "no PolicyViolation Event on MLflow/mlflow within 120 s"
fi
if wait_events audit-dev everyone-mlflow PolicyViolation; then
  pass "a PolicyViolation Event on RoleBinding audit-dev/everyone-mlflow"
else
  fail "no PolicyViolation Event on the binding within 120 s"
fi

say "an unchanged cluster: no new Event over three audit intervals"
sleep 30
events default mlflow
expect_equal "still one PolicyViolation Event on the CR" "$(count_events PolicyViolation)" 1
expect_equal "and it was not counted again" \
  "$(jq -r '[.items[] | select(.reason == "PolicyViolation")][0].series.count // 1' "$work/events.json")" 1

say "a restart (a new leader): the same findings add no Event"
kill "$(cat "$MLFLOW_E2E_DIR/audit-webhook.pid")"
deadline=$((SECONDS + 60))
while kill -0 "$(cat "$MLFLOW_E2E_DIR/audit-webhook.pid")" 2> /dev/null && ((SECONDS < deadline)); do
  sleep 0.5
done
port="$(HOSTNAME=audit-webhook-2 start_webhook "$(service_kubeconfig)" audit-webhook-2 \
  "$repo/policies" --audit-interval 10s)"
# Leading (the first one released the Lease on SIGTERM) and through at least one pass. After
# admission.sh its jar holds the Lease and writes the Events throughout: then only the pass.
if [[ "$(jq '.items | length' "$work/webhooks-aside.json")" == 0 ]]; then
  leader_log="$MLFLOW_E2E_DIR/audit-webhook-2.log"
else
  leader_log=/dev/null
  say "another test's service holds the Lease: it writes the Events, this restart is no new leader"
fi
deadline=$((SECONDS + 120))
until { [[ "$leader_log" == /dev/null ]] || grep -q 'leading the binding reconciler' "$leader_log"; } \
    && audit_json 2> /dev/null && [[ "$(jq -r .complete "$work/audit.json")" == true ]]; do
  ((SECONDS < deadline)) || { fail "the restarted service did not lead and complete within 120 s"; break; }
  sleep 1
done
sleep 15
events default mlflow
expect_equal "after the restart, still one PolicyViolation Event on the CR" "$(count_events PolicyViolation)" 1
expect_equal "and it was not counted again" \
  "$(jq -r '[.items[] | select(.reason == "PolicyViolation")][0].series.count // 1' "$work/events.json")" 1
events audit-dev everyone-mlflow
expect_equal "still one PolicyViolation Event on the binding" "$(count_events PolicyViolation)" 1

# Policy reports: only a build that writes them (a report writer class in the jar) is held to
# them; this script's Events part runs either way.
unzip -l "$jar" > "$work/jar-contents.txt"
if grep -Eq 'webhook/kube/[A-Za-z]*(PolicyReport|ReportWriter|Reports)[A-Za-z]*\.class' "$work/jar-contents.txt"; then
  reports=1
else
  reports=0
  say "this build writes no policy reports: the report checks are skipped"
fi
# report KIND NAMESPACE NAME: our report whose scope is object NAME, to $work/report.json ({} if none).
report() {
  local ns=()
  [[ -n "$2" ]] && ns=(-n "$2")
  kubectl get "$1" "${ns[@]}" -l app.kubernetes.io/managed-by=mlflow-policy-webhook -o json \
    > "$work/reports.json"
  jq --arg name "$3" '[.items[] | select(.scope.name == $name)][0] // {}' "$work/reports.json" \
    > "$work/report.json"
}
# wait_report KIND NAMESPACE NAME JQ-CONDITION: until the report satisfies it (bounded).
wait_report() {
  local deadline=$((SECONDS + 120))
  while ((SECONDS < deadline)); do
    report "$1" "$2" "$3"
    [[ "$(jq "$4" "$work/report.json")" == true ]] && return 0
    sleep 1
  done
  return 1
}
# expect_report WHAT KIND NAMESPACE NAME JQ-CONDITION: passes when wait_report does.
expect_report() {
  local what="$1"
  shift
  if wait_report "$@"; then
    pass "$what"
  else
    fail "$what: not within 120 s; reports: $(head -c 600 "$work/reports.json")"
  fi
}
if ((reports)); then
  say "policy reports: a ClusterPolicyReport for the CR, a PolicyReport for the binding, failing"
  expect_report "a ClusterPolicyReport with scope MLflow/mlflow and summary.fail >= 1" \
    clusterpolicyreports "" mlflow '(.summary.fail // 0) >= 1'
  expect_contains "it has a fail result" "$(jq -r '[.results[]?.result] | join(",")' "$work/report.json")" fail
  expect_report "a PolicyReport in audit-dev with scope RoleBinding/everyone-mlflow and summary.fail >= 1" \
    policyreports audit-dev everyone-mlflow '(.summary.fail // 0) >= 1'
fi

say "the CR fixed (it serves only a development namespace): a Normal PolicyCompliant Event"
kubectl patch mlflows.mlflow.opendatahub.io mlflow --type merge \
  -p '{"spec":{"workspaceLabelSelector":{"matchLabels":{"mlflow-audit-e2e":"dev"}}}}' > /dev/null
fixed_at=$SECONDS
if wait_events default mlflow PolicyCompliant; then
  pass "a PolicyCompliant Event $((SECONDS - fixed_at)) s after the fix"
  expect_equal "its type" "$(jq -r '[.items[] | select(.reason == "PolicyCompliant")][0].type' \
    "$work/events.json")" Normal
else
  fail "no PolicyCompliant Event within 120 s of the fix"
fi
audit_json
expect_equal "/audit: the CR passes now" "$(results MLflow mlflow)" "pass all-rules"
if ((reports)); then
  expect_report "the CR's report passes after the fix" clusterpolicyreports "" mlflow \
    '(.summary.fail // 0) == 0 and (.summary.pass // 0) >= 1'
fi

say "the CR deleted: gone from /audit (and its report garbage-collected)"
kubectl delete mlflows.mlflow.opendatahub.io mlflow --wait=true --timeout=60s > /dev/null
deadline=$((SECONDS + 120))
until audit_json && [[ -z "$(results MLflow mlflow)" ]]; do
  ((SECONDS < deadline)) || break
  sleep 1
done
expect_equal "/audit no longer lists the CR" "$(results MLflow mlflow)" ""
if ((reports)); then
  expect_report "the CR's ClusterPolicyReport was garbage-collected with it" \
    clusterpolicyreports "" mlflow '. == {}'
fi

kubectl -n audit-dev delete rolebinding everyone-mlflow > /dev/null
kubectl delete namespace audit-prod audit-dev --wait=false > /dev/null
cat "$MLFLOW_E2E_DIR/audit-webhook.log" "$MLFLOW_E2E_DIR/audit-webhook-2.log" > "$work/service.log"
grep -c 'writing audit Event' "$work/service.log" > "$work/event-failures.txt" || true
expect_equal "the service logged no failed Event write (a 409 on restart is no failure)" \
  "$(cat "$work/event-failures.txt")" 0

((failures == 0)) || { echo "audit: $failures failure(s); logs in $MLFLOW_E2E_DIR" >&2; exit 1; }
echo "audit: all passed" >&2
