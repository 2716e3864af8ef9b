package io.opendatahub.mlflow.webhook.admission;

/** An AdmissionReview the service cannot read; the message says what is wrong, for a 400. */
public final class MalformedReviewException extends Exception {

  public MalformedReviewException(String message) {
    super(message);
  }
}
