/**
 * Watching files for change: the policy reloader, and the poller it shares with certificate
 * rotation.
 */
package io.opendatahub.mlflow.webhook.reload;
