/**
 * Authorization decisions: access-review codecs, the policy overlay, the decision cache, the
 * route table, and who answers ({@link io.opendatahub.mlflow.webhook.authz.AccessReviewer}:
 * the API server through {@code kube}, or the local RBAC authority). Decision layer: no Vert.x,
 * no fabric8 client.
 */
package io.opendatahub.mlflow.webhook.authz;
