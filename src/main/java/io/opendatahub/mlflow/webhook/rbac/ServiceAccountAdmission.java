package io.opendatahub.mlflow.webhook.rbac;

import io.opendatahub.mlflow.webhook.admission.AdmissionRequest;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.admission.Finding;
import io.opendatahub.mlflow.webhook.admission.GroupVersionKind;
import io.opendatahub.mlflow.webhook.admission.KindHandler;
import io.opendatahub.mlflow.webhook.admission.Operation;
import io.opendatahub.mlflow.webhook.admission.PatchOp;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * ServiceAccounts never change here and are never refused; a qualifying one is handed to the
 * reconciler, which binds it once it is stored (the binding's owner reference needs the
 * account's uid, which exists only then). Dry runs are not handed on, so they write nothing.
 */
public final class ServiceAccountAdmission implements KindHandler {

  private final BindingRequests requests;

  public ServiceAccountAdmission(BindingRequests requests) {
    this.requests = requests;
  }

  @Override
  public boolean handles(GroupVersionKind kind) {
    return kind.group().isEmpty() && "ServiceAccount".equals(kind.kind());
  }

  @Override
  public List<Finding> validate(AdmissionRequest request, DecisionContext context) {
    return List.of();
  }

  @Override
  public List<PatchOp> mutate(AdmissionRequest request, DecisionContext context) {
    JsonNode account = request.object();
    boolean writes = request.operation() == Operation.CREATE
        || request.operation() == Operation.UPDATE;
    if (!writes || account == null || request.dryRun()) {
      return List.of();
    }
    String namespace = account.path("metadata").path("namespace").asString(
        request.namespace() == null ? "" : request.namespace());
    String name = account.path("metadata").path("name").asString(
        request.name() == null ? "" : request.name());
    if (namespace.isEmpty() || name.isEmpty()) {
      return List.of();
    }
    Map<String, String> annotations = new HashMap<>();
    account.path("metadata").path("annotations").properties()
        .forEach(e -> annotations.put(e.getKey(), e.getValue().asString("")));
    BindingPlan.ServiceAccountFacts facts =
        new BindingPlan.ServiceAccountFacts(namespace, name, "", annotations);
    if (BindingPlan.qualifies(facts, context.namespaces().labels(namespace),
        context.policy().serviceAccountBinding())) {
      requests.requested(namespace, name);
    }
    return List.of();
  }
}
