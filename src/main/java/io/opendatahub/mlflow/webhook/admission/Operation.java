package io.opendatahub.mlflow.webhook.admission;

/** The admission operation, as {@code request.operation} spells it. */
public enum Operation {
  CREATE,
  UPDATE,
  DELETE,
  CONNECT
}
