package io.opendatahub.mlflow.webhook.mlflow;

import io.opendatahub.mlflow.webhook.admission.AdmissionRequest;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.admission.Finding;
import io.opendatahub.mlflow.webhook.admission.GroupVersionKind;
import io.opendatahub.mlflow.webhook.admission.KindHandler;
import io.opendatahub.mlflow.webhook.admission.Operation;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Validation and defaulting of {@code MLflow} CRs ({@code mlflow.opendatahub.io}). */
public final class MLflowAdmission implements KindHandler {

  @Override
  public boolean handles(GroupVersionKind kind) {
    return MLflowResource.is(kind);
  }

  @Override
  public List<Finding> validate(AdmissionRequest request, DecisionContext context) {
    JsonNode specNode = judgedSpec(request);
    if (specNode == null) {
      return List.of();
    }
    ServedEnvironment served = ServedEnvironment.of(specNode, context.policy(), context.namespaces());
    RuleFindings findings = new RuleFindings(
        context.policy().mlflow().rulesFor(served.environment().name()), served);
    MLflowSpec spec = new MLflowSpec(specNode);
    MetadataStoreRules.check(spec, findings);
    CredentialRules.check(spec, findings);
    ArtifactRules.check(spec, findings);
    VolumeRules.check(spec, findings);
    ForbiddenEnvRules.check(spec, findings);
    OperatorManagedEnvRules.check(spec, findings);
    TraceArchivalRules.check(spec, findings);
    StorageFieldRules.check(spec, findings);
    StoreSecretRules.check(spec, findings);
    MigrationRules.check(spec, findings);
    GarbageCollectionRules.check(spec, findings);
    DatabaseTlsRules.check(spec, findings);
    EmptyUriRules.check(spec, findings);
    JsonNode oldSpec = request.oldObject() == null ? null : request.oldObject().get("spec");
    if (request.operation() == Operation.UPDATE && oldSpec != null && oldSpec.isObject()) {
      UpdateRules.check(new MLflowSpec(oldSpec), spec, findings);
    }
    return findings.list();
  }

  @Override
  public JsonNode mutate(AdmissionRequest request, DecisionContext context) {
    JsonNode spec = judgedSpec(request);
    if (!(spec instanceof ObjectNode objectSpec)) {
      return request.object();
    }
    ObjectNode defaulted =
        StorageDefaulter.apply(objectSpec, context.policy().mlflow().defaults().storage());
    if (defaulted == objectSpec) {
      return request.object();
    }
    ObjectNode result = ((ObjectNode) request.object()).deepCopy();
    result.set("spec", defaulted);
    return result;
  }

  /** The spec to judge, or null: deletes, status writes and objects without a spec pass as is. */
  private static JsonNode judgedSpec(AdmissionRequest request) {
    boolean writes = request.operation() == Operation.CREATE
        || request.operation() == Operation.UPDATE;
    if (!writes || request.isStatusUpdate() || request.object() == null) {
      return null;
    }
    JsonNode spec = request.object().get("spec");
    return spec != null && spec.isObject() ? spec : null;
  }
}
