/**
 * Everything that talks to a Kubernetes API server, through fabric8: informers, the binding
 * reconciler and its Lease, TokenReview and SubjectAccessReview. Implements the interfaces the
 * decision packages declare; only {@code cli} uses it.
 */
package io.opendatahub.mlflow.webhook.kube;
