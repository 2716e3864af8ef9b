#!/usr/bin/env bash
# Builds the harness's real peers (etcd, kube-apiserver, kube-controller-manager, kubectl) from the versions pinned in
# e2e/tools/go.mod into a cache outside the repository, and prints the bin directory.
# Reused when present: a binary is rebuilt only when missing, or for all of them with --force.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tools="$here/tools"
# The cache key is the pinned Kubernetes version plus a hash of go.mod/go.sum, so a pin change
# never reuses stale binaries.
k8s_version="$(awk '$1 == "k8s.io/kubernetes" { print $2; exit }' "$tools/go.mod")"
pin_hash="$(cat "$tools/go.mod" "$tools/go.sum" | sha256sum | cut -c1-12)"
bin="${MLFLOW_E2E_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/mlflow-policy-webhook-e2e/$k8s_version-$pin_hash/bin}"

force=false
[[ "${1:-}" == "--force" ]] && force=true

declare -A packages=(
  [etcd]=go.etcd.io/etcd/server/v3
  [kube-apiserver]=k8s.io/kubernetes/cmd/kube-apiserver
  [kube-controller-manager]=k8s.io/kubernetes/cmd/kube-controller-manager
  [kubectl]=k8s.io/kubernetes/cmd/kubectl
)

# Without these the binaries say v0.0.0-master+$Format:%H$, which kubectl version, discovery
# clients and the version skew checks cannot parse. The same stamps as the Kubernetes release build.
minor="${k8s_version#v1.}"; minor="${minor%%.*}"
stamp=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  stamp+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  stamp+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done

mkdir -p "$bin"
for name in etcd kube-apiserver kube-controller-manager kubectl; do
  if [[ -x "$bin/$name" && "$force" == false ]]; then
    continue
  fi
  echo "building $name (${packages[$name]}) into $bin" >&2
  # -trimpath and no VCS stamping: the binary depends only on the pinned module versions.
  # -mod=readonly: go.mod and go.sum are never changed, and go.sum is the only checksum
  # authority: modules come from the module proxy and are checked against it, the checksum
  # database (sum.golang.org, not reachable from CI) is never asked; a missing go.sum entry
  # fails the build instead (e2e/README.md has the check).
  # Build into a temporary name and rename, so an interrupted build never leaves a "present" binary.
  (cd "$tools" && CGO_ENABLED=0 GOFLAGS=-mod=readonly go build -trimpath -buildvcs=false -ldflags "$stamp" \
      -o "$bin/.$name.partial" "${packages[$name]}")
  mv "$bin/.$name.partial" "$bin/$name"
done
echo "$bin"
