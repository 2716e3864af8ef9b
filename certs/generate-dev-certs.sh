#!/usr/bin/env bash
# Makes a development CA and a serving certificate for the webhook, with openssl.
# Output (git-ignored): ca.crt, ca.key, tls.crt, tls.key in this directory, or in $1.
# Existing files are kept unless FORCE=1, so running it twice is harmless.
set -euo pipefail

out="${1:-$(cd "$(dirname "$0")" && pwd)}"
service="${WEBHOOK_SERVICE:-mlflow-policy-webhook}"
namespace="${WEBHOOK_NAMESPACE:-mlflow-policy-webhook}"
days="${CERT_DAYS:-365}"

command -v openssl >/dev/null || { echo "openssl is required (apt-get install openssl)" >&2; exit 1; }
mkdir -p "$out"
if [[ -s "$out/tls.crt" && -s "$out/tls.key" && "${FORCE:-0}" != 1 ]]; then
  echo "certificates already present in $out (FORCE=1 to replace them)"
  exit 0
fi

umask 077
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$days" \
  -subj "/CN=mlflow-policy-webhook dev CA" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout "$work/ca.key" -out "$work/ca.crt" 2>/dev/null

cat > "$work/ext.cnf" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1,DNS:${service},DNS:${service}.${namespace},DNS:${service}.${namespace}.svc,DNS:${service}.${namespace}.svc.cluster.local
EXT

openssl req -newkey rsa:2048 -nodes -sha256 \
  -subj "/CN=${service}.${namespace}.svc" \
  -keyout "$work/tls.key" -out "$work/tls.csr" 2>/dev/null
openssl x509 -req -sha256 -days "$days" -in "$work/tls.csr" \
  -CA "$work/ca.crt" -CAkey "$work/ca.key" -CAcreateserial \
  -extfile "$work/ext.cnf" -out "$work/tls.crt" 2>/dev/null

# PKCS#8 keys are what Vert.x reads most reliably.
openssl pkcs8 -topk8 -nocrypt -in "$work/tls.key" -out "$out/tls.key"
cp "$work/tls.crt" "$work/ca.crt" "$work/ca.key" "$out/"
chmod 600 "$out/tls.key" "$out/ca.key"
chmod 644 "$out/tls.crt" "$out/ca.crt"
echo "wrote $out/ca.crt, $out/tls.crt and $out/tls.key (SANs: localhost, 127.0.0.1, ${service}.${namespace}.svc)"
