/**
 * The policy admins write: its model, its loader and validator, and the holder that swaps
 * snapshots on reload. The bottom layer: it imports no other package of the service.
 */
package io.opendatahub.mlflow.webhook.policy;
