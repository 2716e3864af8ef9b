package io.opendatahub.mlflow.webhook.admission;

import java.util.List;

/** The rules for one kind of object. Implementations are pure: no I/O, no clocks. */
public interface KindHandler {

  /** Whether this handler decides for {@code request.kind}. */
  boolean handles(GroupVersionKind kind);

  /** Everything wrong with the request under the policy; empty when it is fine. */
  List<Finding> validate(AdmissionRequest request, DecisionContext context);

  /**
   * What the object as sent lacks, as JSON Patch operations the API server applies to it in this
   * order; empty when nothing changes. Each must apply to the object as sent with the ones
   * before it applied: a member whose parent is missing is added inside a new parent, and a
   * field already set gets no operation, so mutating the mutated object changes nothing. Must
   * not modify the request's object.
   */
  List<PatchOp> mutate(AdmissionRequest request, DecisionContext context);
}
