#!/usr/bin/env bash
# Issues the client certificate kube-apiserver presents to the webhook's authorizer port, from a
# CA of its own (never the cluster CA: anything that CA signed could then call the port).
# Writes into DIR (default ./authz): the client CA, the client certificate and key, and the
# webhook's serving CA copied from the cluster. Prints the ConfigMap command.
set -euo pipefail
dir=${1:-authz}
days=${DAYS:-365}
mkdir -p "$dir"
umask 077
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days "$days" \
  -subj "/CN=mlflow-policy-webhook authorizer client CA" \
  -keyout "$dir/authorizer-client-ca.key" -out "$dir/authorizer-client-ca.crt"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -subj "/CN=kube-apiserver" \
  -keyout "$dir/apiserver-mlflow-policy-webhook.key" -out "$dir/apiserver-mlflow-policy-webhook.csr"
openssl x509 -req -in "$dir/apiserver-mlflow-policy-webhook.csr" -days "$days" \
  -CA "$dir/authorizer-client-ca.crt" -CAkey "$dir/authorizer-client-ca.key" -CAcreateserial \
  -extfile <(printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n') \
  -out "$dir/apiserver-mlflow-policy-webhook.crt"
rm -f "$dir/apiserver-mlflow-policy-webhook.csr"
if kubectl -n mlflow-policy-webhook get secret mlflow-policy-webhook-tls >/dev/null 2>&1; then
  kubectl -n mlflow-policy-webhook get secret mlflow-policy-webhook-tls \
    -o jsonpath='{.data.ca\.crt}' | base64 -d > "$dir/mlflow-policy-webhook-serving-ca.crt"
fi
cat <<MSG
Client certificate: $dir/apiserver-mlflow-policy-webhook.crt (+ .key), valid $days days.
Keep $dir/authorizer-client-ca.key offline. Now:
  kubectl -n mlflow-policy-webhook create configmap mlflow-policy-webhook-authorizer-client-ca \\
    --from-file=ca.crt=$dir/authorizer-client-ca.crt
and copy to /etc/kubernetes/authz/ on every control-plane node:
  $dir/apiserver-mlflow-policy-webhook.crt $dir/apiserver-mlflow-policy-webhook.key
  $dir/mlflow-policy-webhook-serving-ca.crt  mlflow-policy-webhook.kubeconfig  authorization-config.yaml
MSG
