package io.opendatahub.mlflow.webhook.rbac;

/** Where admission reports a ServiceAccount that may need an integration-role binding. */
public interface BindingRequests {

  void requested(String namespace, String name);

  /** Without a cluster there is nothing to bind. */
  BindingRequests NONE = (namespace, name) -> { };
}
