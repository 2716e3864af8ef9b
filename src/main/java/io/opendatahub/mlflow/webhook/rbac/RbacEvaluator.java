package io.opendatahub.mlflow.webhook.rbac;

import io.opendatahub.mlflow.webhook.rbac.RbacModel.Binding;
import io.opendatahub.mlflow.webhook.rbac.RbacModel.Request;
import io.opendatahub.mlflow.webhook.rbac.RbacModel.Rule;
import io.opendatahub.mlflow.webhook.rbac.RbacModel.Subject;
import java.util.ArrayList;
import java.util.List;

/**
 * Answers an access question from an RBAC snapshot the way the API server's RBAC authorizer
 * does: ClusterRoleBindings first, then RoleBindings of the request's namespace; the first rule
 * that matches allows, naming the binding; otherwise no opinion (RBAC never denies). A binding to
 * a role that does not exist is reported but does not stop other bindings from allowing.
 */
public final class RbacEvaluator {

  private RbacEvaluator() {}

  /** The answer: allowed with the binding that allowed it, or no opinion with why. */
  public record Decision(boolean allowed, String reason) {}

  public static Decision authorize(Request request, RbacSnapshot snapshot) {
    List<String> errors = new ArrayList<>();
    for (Binding binding : snapshot.candidates(request)) {
      Subject subject = matchingSubject(binding, request);
      if (subject == null) {
        continue;
      }
      List<Rule> rules = snapshot.rules(binding);
      if (rules == null) {
        errors.add(binding.roleRef().kind() + " \"" + binding.roleRef().name() + "\" of "
            + binding.describe() + " not found");
        continue;
      }
      for (Rule rule : rules) {
        if (RbacRules.allows(request, rule)) {
          return new Decision(true, "RBAC: allowed by " + binding.describe() + " of "
              + binding.roleRef().kind() + " \"" + binding.roleRef().name() + "\" to "
              + subject.kind() + " \"" + subject.name() + "\"");
        }
      }
    }
    return new Decision(false, errors.isEmpty() ? "no RBAC rule allows it"
        : "no RBAC rule allows it; " + String.join("; ", errors));
  }

  private static Subject matchingSubject(Binding binding, Request request) {
    for (Subject subject : binding.subjects()) {
      if (RbacRules.appliesTo(subject, request.user(), request.groups(), binding.namespace())) {
        return subject;
      }
    }
    return null;
  }
}
