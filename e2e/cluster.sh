#!/usr/bin/env bash
# A real etcd + kube-apiserver on loopback, for end-to-end tests (issue #20).
#
#   e2e/cluster.sh up     build the binaries if absent (e2e/build.sh), start etcd and kube-apiserver,
#                         write the admin kubeconfig; on any failure everything started is stopped
#   e2e/cluster.sh env    print the exports for a shell: eval "$(e2e/cluster.sh env)"
#   e2e/cluster.sh down   stop, by PID, every process whose pid file is in the state directory
#                         (the harness's webhook included), newest first
#
# State (certificates, kubeconfig, logs, etcd data) lives in $MLFLOW_E2E_DIR, by default
# ${TMPDIR:-/tmp}/mlflow-policy-webhook-e2e; `up` starts from an empty one, `down` keeps the logs.
# With kube-controller-manager (four controllers); no scheduler, no kubelet: see e2e/README.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
state="${MLFLOW_E2E_DIR:-${TMPDIR:-/tmp}/mlflow-policy-webhook-e2e}"

log() { echo "cluster.sh: $*" >&2; }

source "$here/lib.sh"  # free_port

# Starts a process in the background with its output in $state/NAME.log and its PID in
# $state/NAME.pid; the pid files are what `down` stops, so nothing is found by name.
start_process() {
  local name="$1"; shift
  nohup "$@" > "$state/$name.log" 2>&1 < /dev/null &
  echo $! > "$state/$name.pid"
  # Remember the start order so `down` stops the newest first (the API server before etcd).
  echo "$name" >> "$state/processes"
}

# Stops every process `start_process` (or a test script, through the same files) started.
stop_all() {
  [[ -f "$state/processes" ]] || return 0
  local name pid
  for name in $(tac "$state/processes"); do
    [[ -f "$state/$name.pid" ]] || continue
    pid="$(cat "$state/$name.pid")"
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      if kill -0 "$pid" 2>/dev/null; then
        log "$name (pid $pid) ignored SIGTERM for 10 s; killing it"
        kill -KILL "$pid" 2>/dev/null || true
      fi
      log "stopped $name (pid $pid)"
    fi
    rm -f "$state/$name.pid"
  done
  rm -f "$state/processes"
}

# Polls URL until it answers 2xx, for at most SECONDS; curl options follow.
wait_for() {
  local what="$1" url="$2" seconds="$3"; shift 3
  local deadline=$((SECONDS + seconds))
  until curl -fsS --max-time 2 "$@" "$url" > /dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      log "$what did not become ready within ${seconds}s; last lines of its log:"
      tail -n 30 "$state/$what.log" >&2 || true
      return 1
    fi
    local pidfile="$state/$what.pid"
    if [[ -f "$pidfile" ]] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      log "$what exited; last lines of its log:"
      tail -n 30 "$state/$what.log" >&2 || true
      return 1
    fi
    sleep 0.5
  done
}

make_certificates() {
  local pki="$state/pki"
  mkdir -p "$pki"
  (
    umask 077
    cd "$pki"
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 2 -subj "/CN=mlflow-policy-webhook e2e CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -keyout ca.key -out ca.crt 2> /dev/null
    # issue NAME SUBJECT EXTENSIONS: a leaf certificate signed by the e2e CA.
    issue() {
      printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" "$3" > "$1.ext"
      openssl req -newkey rsa:2048 -nodes -sha256 -subj "$2" -keyout "$1.key" -out "$1.csr" 2> /dev/null
      openssl x509 -req -sha256 -days 2 -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial \
        -extfile "$1.ext" -out "$1.crt" 2> /dev/null
      rm -f "$1.csr" "$1.ext"
    }
    issue apiserver "/CN=kube-apiserver" \
      "$(printf '%s\n' 'extendedKeyUsage=serverAuth' 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:10.96.0.1')"
    # The tests' admin: system:masters passes every authorizer (RBAC is never asked).
    issue admin "/O=system:masters/CN=e2e-admin" "extendedKeyUsage=clientAuth"
    # The controller-manager acts cluster-wide (the garbage collector deletes anything), so it
    # gets system:masters too, under its own name.
    issue controller-manager "/O=system:masters/CN=system:kube-controller-manager" "extendedKeyUsage=clientAuth"
    # Users with bearer tokens (the API server's --token-auth-file: token,user,uid,"groups"), so
    # tests can call /authorize as people, not only as ServiceAccounts; the API server's own
    # TokenReview and SelfSubjectAccessReview know them. Random per cluster, never logged.
    local user
    for user in alice:authz-a-editors bob:authz-a-viewers carol:authz-b-readers dave:nobody; do
      printf '%s,%s,%s,"%s"\n' "$(openssl rand -hex 24)" "${user%%:*}" "uid-${user%%:*}" "${user#*:}"
    done > tokens.csv
    # ServiceAccount tokens: the API server signs with the private key and verifies with the public one.
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.key 2> /dev/null
    openssl pkey -in sa.key -pubout -out sa.pub 2> /dev/null
  )
}

write_authorization_config() {
  cat > "$state/authorization-config.yaml" << 'EOF'
# Structured authorization (--authorization-config). The privileged-group authorizer
# (system:masters) always runs first; then these, in order.
apiVersion: apiserver.config.k8s.io/v1
kind: AuthorizationConfiguration
authorizers:
  # No nodes, so no Node authorizer.
  # tests/authorizer.sh puts the shipped webhook here while it runs (the API server reloads this
  # file), then puts this file back. The shape: the service as the authorizer for
  # mlflow.kubeflow.org, before RBAC, with no opinion on anything else:
  # - type: Webhook
  #   name: mlflow-policy-webhook
  #   webhook:
  #     timeout: 3s
  #     subjectAccessReviewVersion: v1
  #     matchConditionSubjectAccessReviewVersion: v1
  #     failurePolicy: NoOpinion
  #     authorizedTTL: 30s
  #     unauthorizedTTL: 30s
  #     connectionInfo:
  #       type: KubeConfigFile
  #       kubeConfigFile: /path/to/webhook-kubeconfig
  #     matchConditions:
  #       - expression: has(request.resourceAttributes) && request.resourceAttributes.group == 'mlflow.kubeflow.org'
  - type: RBAC
    name: rbac
EOF
}

# write_kubeconfig PORT CERT FILE: a kubeconfig for the client certificate pki/CERT.{crt,key}.
write_kubeconfig() {
  local port="$1" cert="$2" file="$3" pki="$state/pki"
  cat > "$file" << EOF
apiVersion: v1
kind: Config
clusters:
  - name: e2e
    cluster:
      server: https://127.0.0.1:$port
      certificate-authority-data: $(base64 -w0 < "$pki/ca.crt")
users:
  - name: $cert
    user:
      client-certificate-data: $(base64 -w0 < "$pki/$cert.crt")
      client-key-data: $(base64 -w0 < "$pki/$cert.key")
contexts:
  - name: e2e
    context: {cluster: e2e, user: $cert}
current-context: e2e
EOF
  chmod 600 "$file"
}

up() {
  if [[ -f "$state/processes" ]]; then
    log "a cluster already runs from $state (run '$0 down' first)"
    return 1
  fi
  local bin
  bin="$("$here/build.sh")"
  rm -rf "$state"
  mkdir -p "$state"
  echo "$bin" > "$state/bin"
  # kubectl's discovery and HTTP caches go to the state directory, not ~/.kube/cache.
  export KUBECACHEDIR="$state/kube-cache"
  trap 'status=$?; if ((status != 0)); then log "up failed; stopping what started"; stop_all; fi' EXIT

  make_certificates
  write_authorization_config
  local etcd_port etcd_peer_port api_port pki="$state/pki"
  etcd_port="$(free_port)"
  etcd_peer_port="$(free_port)"
  api_port="$(free_port)"

  # Plain HTTP is acceptable here: loopback only, throwaway data. --unsafe-no-fsync because the
  # data dies with the test run and fsync is what a loaded CI disk is slowest at.
  start_process etcd "$bin/etcd" --name e2e --data-dir "$state/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer_port" \
    --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer_port" \
    --initial-cluster "e2e=http://127.0.0.1:$etcd_peer_port" \
    --unsafe-no-fsync --log-level warn
  wait_for etcd "http://127.0.0.1:$etcd_port/health" 120

  start_process kube-apiserver "$bin/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" \
    --token-auth-file "$pki/tokens.csv" \
    --authorization-config "$state/authorization-config.yaml" \
    --service-account-issuer "https://127.0.0.1:$api_port" \
    --service-account-key-file "$pki/sa.pub" \
    --service-account-signing-key-file "$pki/sa.key" \
    --service-cluster-ip-range 10.96.0.0/24 \
    --cert-dir "$state/apiserver-certs" \
    --profiling=false
  wait_for kube-apiserver "https://127.0.0.1:$api_port/readyz" 180 \
    --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key"

  write_kubeconfig "$api_port" admin "$state/kubeconfig"
  write_kubeconfig "$api_port" controller-manager "$state/controller-manager.kubeconfig"

  # Only the controllers the tests need (no pods, nodes or volumes here): ClusterRole aggregation
  # (the MLflow roles reach admin/edit/view only through it), the garbage collector (owner
  # references), namespace deletion, and the default ServiceAccount of each namespace. Each
  # controller acts as its own ServiceAccount (kube-system:generic-garbage-collector, ...), as on
  # real clusters, so the webhook sees the identities it will see in production.
  start_process kube-controller-manager "$bin/kube-controller-manager" \
    --kubeconfig "$state/controller-manager.kubeconfig" \
    --controllers clusterrole-aggregation-controller,garbage-collector-controller,namespace-controller,serviceaccount-controller \
    --leader-elect=false --secure-port 0 --use-service-account-credentials=true
  # Ready when aggregation has filled the bootstrap role "edit" (empty without the controller).
  local deadline=$((SECONDS + 180))
  until [[ -n "$("$bin/kubectl" --kubeconfig "$state/kubeconfig" get clusterrole edit -o jsonpath='{.rules[0].verbs}' 2> /dev/null)" ]]; do
    if ((SECONDS >= deadline)) || ! kill -0 "$(cat "$state/kube-controller-manager.pid")" 2> /dev/null; then
      log "kube-controller-manager did not aggregate ClusterRoles within 180 s; last lines of its log:"
      tail -n 30 "$state/kube-controller-manager.log" >&2
      return 1
    fi
    sleep 0.5
  done
  echo "https://127.0.0.1:$api_port" > "$state/server"
  trap - EXIT
  log "up: API server https://127.0.0.1:$api_port, etcd http://127.0.0.1:$etcd_port, kube-controller-manager; logs in $state"
  log "use it with: eval \"\$($0 env)\""
}

env_exports() {
  [[ -f "$state/kubeconfig" ]] || { log "no cluster in $state (run '$0 up')"; return 1; }
  echo "export MLFLOW_E2E_DIR='$state'"
  echo "export KUBECONFIG='$state/kubeconfig'"
  echo "export KUBECACHEDIR='$state/kube-cache'"
  echo "export MLFLOW_E2E_SERVER='$(cat "$state/server")'"
  echo "export PATH='$(cat "$state/bin")':\"\$PATH\""
}

case "${1:-}" in
  up) up ;;
  down) stop_all ;;
  env) env_exports ;;
  *) echo "usage: $0 up|down|env" >&2; exit 2 ;;
esac
