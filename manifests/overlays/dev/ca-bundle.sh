#!/usr/bin/env bash
# Writes ca-bundle.yaml: a JSON patch that puts ca.crt into the webhooks' caBundle.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
[[ -s "$here/ca.crt" ]] || { echo "run certs/generate-dev-certs.sh $here first" >&2; exit 1; }
bundle="$(base64 -w0 < "$here/ca.crt")"
cat > "$here/ca-bundle.yaml" <<PATCH
- op: add
  path: /webhooks/0/clientConfig/caBundle
  value: ${bundle}
PATCH
echo "wrote $here/ca-bundle.yaml"
