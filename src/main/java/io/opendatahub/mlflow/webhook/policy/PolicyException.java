package io.opendatahub.mlflow.webhook.policy;

/** A policy that cannot be used: the message names the file, the line when known, and the field. */
public final class PolicyException extends Exception {

  public PolicyException(String message) {
    super(message);
  }

  public PolicyException(String message, Throwable cause) {
    super(message, cause);
  }
}
