/**
 * The admission decision code as it was before issue 19's session-8 work on the decision itself
 * (main at 5a3467d: the MLflow rules with {@code MLflowSpec}, {@code SpecShape}, {@code
 * StoreUri} and what they share, and {@code AdmissionService}), kept verbatim but for the
 * package, so {@code DecisionDifferentialTest} can hold the new code to the old answers. The
 * RoleBinding rules and {@code Excerpt} did not change and are not copied. Not used by the
 * service.
 */
package io.opendatahub.mlflow.webhook.legacy.decision;
