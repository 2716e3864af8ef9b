/**
 * The rules and defaults for MLflow CRs, judged as the operator will run them. Decision layer:
 * no Vert.x, no fabric8 client, no I/O.
 */
package io.opendatahub.mlflow.webhook.mlflow;
