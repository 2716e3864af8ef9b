/**
 * The HTTPS front (Vert.x): endpoints, TLS, body limits, readiness, metrics. It decodes, asks a
 * decision package, encodes; it decides nothing and never reaches into {@code kube}.
 */
package io.opendatahub.mlflow.webhook.server;
