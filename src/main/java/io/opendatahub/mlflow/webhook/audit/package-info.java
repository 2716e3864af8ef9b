/**
 * The background audit's core: judges an object that already exists exactly as admission would
 * judge a CREATE of it (the same {@link io.opendatahub.mlflow.webhook.admission.AdmissionService},
 * no rules of its own), and keeps the latest result per object. Decision layer: no Vert.x, no
 * fabric8 client, no I/O, no clock it is not handed.
 */
package io.opendatahub.mlflow.webhook.audit;
