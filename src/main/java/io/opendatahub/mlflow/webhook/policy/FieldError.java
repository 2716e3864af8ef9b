package io.opendatahub.mlflow.webhook.policy;

import java.util.List;

/** A semantic error at a field of a policy document; the loader adds file and line. */
final class FieldError extends Exception {

  private final transient List<Object> path;

  FieldError(List<Object> path, String message) {
    super(message);
    this.path = path;
  }

  List<Object> path() {
    return path;
  }
}
