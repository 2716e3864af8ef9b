/**
 * Admission values and their JSON codec, the kind dispatcher, and what decisions know about
 * namespaces ({@link io.opendatahub.mlflow.webhook.admission.NamespaceFacts}, with its
 * standalone implementations). Decision layer: no Vert.x, no fabric8 client, no I/O.
 */
package io.opendatahub.mlflow.webhook.admission;
