package io.opendatahub.mlflow.webhook.kube;

/**
 * Failures from the Kubernetes client, told in one line: the wrappers around them
 * (CompletionException, KubernetesClientException "An error has occurred") say nothing an
 * operator can act on, the innermost cause does ("ConnectException: Connection refused").
 */
final class Causes {

  private static final int MAX = 300;

  private Causes() {}

  static Throwable innermost(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root;
  }

  /** "Type: message" of the innermost cause, on one line and at most a few hundred chars. */
  static String describe(Throwable failure) {
    Throwable root = innermost(failure);
    String message = root.getMessage() == null ? "" : ": " + root.getMessage();
    String line = (root.getClass().getSimpleName() + message).replaceAll("\\s+", " ");
    return line.length() <= MAX ? line : line.substring(0, MAX) + "...";
  }
}
