package io.opendatahub.mlflow.webhook.cli;

import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.KindHandler;
import io.opendatahub.mlflow.webhook.audit.Auditor;
import io.opendatahub.mlflow.webhook.audit.NamespaceRelabelAdmission;
import io.opendatahub.mlflow.webhook.rbac.BindingRequests;
import io.opendatahub.mlflow.webhook.mlflow.MLflowAdmission;
import io.opendatahub.mlflow.webhook.rbac.RoleBindingAdmission;
import io.opendatahub.mlflow.webhook.rbac.ServiceAccountAdmission;
import java.util.List;

/** The kinds the service has rules for; the server and {@code check} use the same list. */
public final class Handlers {

  private Handlers() {}

  /** Without a cluster: ServiceAccounts that qualify for a binding are only reported. */
  public static List<KindHandler> all() {
    return all(BindingRequests.NONE);
  }

  public static List<KindHandler> all(BindingRequests bindings) {
    // The relabel rule judges MLflow CRs with an admission service of its own: its what-if
    // namespaces must not replace what the CR handler remembers for real reviews.
    return List.of(new MLflowAdmission(), new RoleBindingAdmission(),
        new ServiceAccountAdmission(bindings), new NamespaceRelabelAdmission(
            new Auditor(new AdmissionService(List.of(new MLflowAdmission())))));
  }
}
