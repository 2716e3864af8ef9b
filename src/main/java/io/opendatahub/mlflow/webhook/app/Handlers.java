package io.opendatahub.mlflow.webhook.app;

import io.opendatahub.mlflow.webhook.admission.KindHandler;
import io.opendatahub.mlflow.webhook.mlflow.MLflowAdmission;
import io.opendatahub.mlflow.webhook.rbac.RoleBindingAdmission;
import java.util.List;

/** The kinds the service has rules for; the server and {@code check} use the same list. */
public final class Handlers {

  private Handlers() {}

  public static List<KindHandler> all() {
    return List.of(new MLflowAdmission(), new RoleBindingAdmission());
  }
}
