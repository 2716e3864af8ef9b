/**
 * The commands and the wiring: the only package that assembles server, decisions and cluster
 * access ({@link io.opendatahub.mlflow.webhook.cli.WebhookApp}, one mode for a cluster and one
 * for standalone).
 */
package io.opendatahub.mlflow.webhook.cli;
