/**
 * RoleBinding and ServiceAccount rules, the auto-binding plan and the writes that reach it
 * ({@link io.opendatahub.mlflow.webhook.rbac.BindingDiff}), and Kubernetes RBAC evaluated
 * in-process. Decision layer: no Vert.x, no fabric8 client (its model classes are values here).
 */
package io.opendatahub.mlflow.webhook.rbac;
