package io.opendatahub.mlflow.webhook.admission;

import java.util.List;
import tools.jackson.databind.JsonNode;

/** The rules for one kind of object. Implementations are pure: no I/O, no clocks. */
public interface KindHandler {

  /** Whether this handler decides for {@code request.kind}. */
  boolean handles(GroupVersionKind kind);

  /** Everything wrong with the request under the policy; empty when it is fine. */
  List<Finding> validate(AdmissionRequest request, DecisionContext context);

  /**
   * The object as it should be stored, or {@code request.object()} itself when nothing changes.
   * Must not modify the request's object.
   */
  JsonNode mutate(AdmissionRequest request, DecisionContext context);
}
