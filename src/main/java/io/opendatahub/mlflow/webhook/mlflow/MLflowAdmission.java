package io.opendatahub.mlflow.webhook.mlflow;

import io.opendatahub.mlflow.webhook.admission.AdmissionRequest;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.admission.Finding;
import io.opendatahub.mlflow.webhook.admission.GroupVersionKind;
import io.opendatahub.mlflow.webhook.admission.KindHandler;
import io.opendatahub.mlflow.webhook.admission.Operation;
import io.opendatahub.mlflow.webhook.admission.PatchOp;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Validation and defaulting of {@code MLflow} CRs ({@code mlflow.opendatahub.io}). */
public final class MLflowAdmission implements KindHandler {

  /** This service's answers to "which environment does this CR serve", kept across reviews. */
  private final ServedEnvironments environments = new ServedEnvironments();

  @Override
  public boolean handles(GroupVersionKind kind) {
    return MLflowResource.is(kind);
  }

  @Override
  public List<Finding> validate(AdmissionRequest request, DecisionContext context) {
    if (!judged(request)) {
      return List.of();
    }
    List<Finding> malformed = SpecShape.check(request.object());
    if (!malformed.isEmpty()) {
      return malformed;
    }
    JsonNode spec = request.object().get("spec");
    JsonNode old = request.operation() == Operation.UPDATE ? request.oldObject() : null;
    if (old == null || !SpecShape.check(old).isEmpty()) {
      // Nothing readable to compare with: judged like a create.
      return evaluate(spec, null, context);
    }
    JsonNode oldSpec = old.get("spec");
    List<Finding> now = evaluate(spec, oldSpec, context);
    if (!Ratchet.anyDenies(now)) {
      // Ratcheting only ever lifts a deny: without one, the old object's findings change nothing.
      return now;
    }
    // The old object is judged by the same policy snapshot and cluster facts, so a finding it
    // shares with the new one is one the update inherited, not one it brought.
    return Ratchet.apply(now, request.object(), evaluate(oldSpec, null, context), old);
  }

  /** Every rule on {@code specNode}; the update rules too when there is an old spec. */
  private List<Finding> evaluate(JsonNode specNode, JsonNode oldSpec, DecisionContext context) {
    ServedEnvironment served = environments.of(specNode, context.policy(), context.namespaces());
    RuleFindings findings = new RuleFindings(
        context.policy().mlflow().rulesFor(served.environment().name()), served);
    MLflowSpec spec = new MLflowSpec(specNode);
    check(spec, findings);
    if (oldSpec != null) {
      UpdateRules.check(new MLflowSpec(oldSpec), spec, findings);
    }
    return findings.list();
  }

  /**
   * The rules every written spec is judged by, in the order their findings are listed. Called
   * one by one rather than through a list of functions: the calls inline, and nothing is
   * allocated to make them.
   */
  private static void check(MLflowSpec spec, RuleFindings findings) {
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
  }

  @Override
  public List<PatchOp> mutate(AdmissionRequest request, DecisionContext context) {
    // An object validation refuses as unreadable is left as it is: defaulting would guess.
    if (!judged(request) || !SpecShape.check(request.object()).isEmpty()) {
      return List.of();
    }
    return StorageDefaulter.apply((ObjectNode) request.object().get("spec"),
        context.policy().mlflow().defaults().storage());
  }

  /** Whether the request is judged at all: deletes, connects and status writes pass as they are. */
  private static boolean judged(AdmissionRequest request) {
    boolean writes = request.operation() == Operation.CREATE
        || request.operation() == Operation.UPDATE;
    return writes && !request.isStatusUpdate() && request.object() != null
        && request.object().isObject();
  }
}
