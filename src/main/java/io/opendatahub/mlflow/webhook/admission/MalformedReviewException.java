package io.opendatahub.mlflow.webhook.admission;

/**
 * An AdmissionReview the service cannot read; the message says what is wrong. The status is 400,
 * or 413 for a review beyond the reading limits.
 */
public final class MalformedReviewException extends Exception {

  private final int status;

  public MalformedReviewException(String message) {
    this(message, 400);
  }

  public MalformedReviewException(String message, int status) {
    super(message);
    this.status = status;
  }

  /** The HTTP status to answer with. */
  public int status() {
    return status;
  }
}
