package io.opendatahub.mlflow.webhook.admission;

/** A decoded review: the request and the API version to answer in. */
public record AdmissionReview(String apiVersion, AdmissionRequest request) {

  public static final String V1 = "admission.k8s.io/v1";
  public static final String V1BETA1 = "admission.k8s.io/v1beta1";
}
