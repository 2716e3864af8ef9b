package io.opendatahub.mlflow.webhook.legacy.decision;

import io.fabric8.zjsonpatch.JsonPatch;
import io.opendatahub.mlflow.webhook.admission.AdmissionRequest;
import io.opendatahub.mlflow.webhook.admission.AdmissionResponse;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.admission.Finding;
import io.opendatahub.mlflow.webhook.admission.GroupVersionKind;
import io.opendatahub.mlflow.webhook.admission.KindHandler;
import io.opendatahub.mlflow.webhook.admission.PatchOp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns an admission request into a response: finds the handler for the request's kind, applies
 * its findings (deny, warn, audit) or its mutation. A kind no handler knows is admitted as is.
 */
public final class AdmissionService {

  /** HTTP status of a policy denial, as controller-runtime and Gatekeeper use it. */
  public static final int DENIED = 403;

  /** Prefix of audit annotation keys (the API server prefixes them with the webhook name too). */
  static final String AUDIT_KEY_PREFIX = "policy-";

  /** Appended to a ratcheted finding's warning and audit annotation. */
  static final String RATCHETED_NOTE = "already so before this update, which does not worsen it:"
      + " not enforced now, but denied once changed or on a new object";

  /** How many findings a message, the warnings or one audit annotation list. */
  static final int MAX_LISTED = 20;

  private final List<KindHandler> handlers;

  public AdmissionService(List<KindHandler> handlers) {
    this.handlers = List.copyOf(handlers);
  }

  public boolean handles(GroupVersionKind kind) {
    return handlerFor(kind) != null;
  }

  public AdmissionResponse validate(AdmissionRequest request, DecisionContext context) {
    KindHandler handler = handlerFor(request.kind());
    if (handler == null) {
      return AdmissionResponse.allow(request.uid());
    }
    return respond(request.uid(), handler.validate(request, context), null);
  }

  public AdmissionResponse mutate(AdmissionRequest request, DecisionContext context) {
    KindHandler handler = handlerFor(request.kind());
    if (handler == null || request.object() == null) {
      return AdmissionResponse.allow(request.uid());
    }
    List<PatchOp> operations = handler.mutate(request, context);
    // The response carries the operations since session 10 (issue 19); the decision is the same.
    return respond(request.uid(), List.of(), operations.isEmpty() ? null : operations);
  }

  /**
   * What the API server would do with the request: mutate, then validate the mutated object
   * (the order of admission phases), as the {@code check} command reports it.
   */
  public Simulation simulate(AdmissionRequest request, DecisionContext context) {
    AdmissionResponse mutation = mutate(request, context);
    AdmissionRequest mutated = request;
    if (mutation.hasPatch()) {
      mutated = new AdmissionRequest(request.uid(), request.kind(), request.subResource(),
          request.name(), request.namespace(), request.operation(), request.userInfo(),
          JsonPatch.apply(mutation.patch(), request.object()), request.oldObject(),
          request.dryRun());
    }
    return new Simulation(mutation, validate(mutated, context), handles(request.kind()));
  }

  /**
   * @param handled whether any rules apply to the kind at all
   */
  public record Simulation(AdmissionResponse mutation, AdmissionResponse validation,
      boolean handled) {}

  private KindHandler handlerFor(GroupVersionKind kind) {
    for (KindHandler handler : handlers) {
      if (handler.handles(kind)) {
        return handler;
      }
    }
    return null;
  }

  private static AdmissionResponse respond(String uid, List<Finding> findings,
      List<PatchOp> patch) {
    List<String> denials = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    Map<String, List<String>> audits = new LinkedHashMap<>();
    for (Finding finding : findings) {
      if (finding.ratcheted()) {
        // Reported as a warning (the client, often the operator, sees it) and an audit
        // annotation (the admin sees it), but not enforced.
        String text = finding.describe() + " (" + RATCHETED_NOTE + ")";
        warnings.add(text);
        audits.computeIfAbsent(AUDIT_KEY_PREFIX + finding.rule(), key -> new ArrayList<>())
            .add(text);
        continue;
      }
      switch (finding.action()) {
        case DENY -> denials.add(finding.describe());
        case WARN -> warnings.add(finding.describe());
        case AUDIT -> audits.computeIfAbsent(AUDIT_KEY_PREFIX + finding.rule(),
            key -> new ArrayList<>()).add(finding.describe());
        case OFF -> {
          // switched-off rules produce no findings; nothing to apply
        }
      }
    }
    Map<String, String> annotations = new LinkedHashMap<>();
    audits.forEach((key, texts) -> annotations.put(key, String.join("; ", listed(texts))));
    if (!denials.isEmpty()) {
      // One finding per line, as Gatekeeper does: kubectl prints the message as is.
      String message = String.join("\n", listed(denials));
      return new AdmissionResponse(uid, false, DENIED, message, listed(warnings), annotations,
          null, findings);
    }
    return new AdmissionResponse(uid, true, 0, null, listed(warnings), annotations,
        patch, findings);
  }

  /**
   * At most {@link #MAX_LISTED} texts, then a count of the rest: an object can carry thousands of
   * findings (one per env entry), and the API server drops warnings beyond 4 KiB anyway. The
   * response's findings and the metrics keep every one.
   */
  static List<String> listed(List<String> texts) {
    if (texts.size() <= MAX_LISTED) {
      return texts;
    }
    List<String> listed = new ArrayList<>(texts.subList(0, MAX_LISTED));
    listed.add("... and " + (texts.size() - MAX_LISTED) + " more like these");
    return listed;
  }
}
