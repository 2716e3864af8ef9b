package io.opendatahub.mlflow.webhook.audit;

import io.opendatahub.mlflow.webhook.admission.AdmissionRequest;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.AdmissionService.Simulation;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.admission.Finding;
import io.opendatahub.mlflow.webhook.admission.GroupVersionKind;
import io.opendatahub.mlflow.webhook.admission.Operation;
import io.opendatahub.mlflow.webhook.audit.AuditResult.Severity;
import io.opendatahub.mlflow.webhook.audit.AuditResult.Status;
import io.opendatahub.mlflow.webhook.mlflow.Excerpt;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.policy.RoleBindingPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Judges an existing object as admission would judge a CREATE of it now: the same admission
 * service (mutation, then validation of the mutated object, as the API server runs the phases),
 * the same policy snapshot and namespace facts, the same findings and messages. It only
 * translates findings into policy-report results; it has no rules of its own.
 */
public final class Auditor {

  /** The rule id of the one result an object without findings gets. */
  public static final String PASS_RULE = "all-rules";

  /** Who the synthetic CREATE comes from when the policy names no manager. */
  static final AdmissionRequest.UserInfo AUDITOR =
      new AdmissionRequest.UserInfo("mlflow-policy-webhook:audit", List.of());

  /**
   * Judges who may write a managed binding, not what the binding says: an existing object has
   * no writer, so the rule has nothing to judge. The CREATE comes from the service's own
   * identity (the policy's first manager) so admission raises it only when the policy names no
   * manager; it is dropped then.
   */
  static final String WRITER_RULE = "rolebinding-managed";

  static final GroupVersionKind MLFLOW = new GroupVersionKind("mlflow.opendatahub.io", "v1",
      "MLflow");
  static final GroupVersionKind ROLE_BINDING =
      new GroupVersionKind("rbac.authorization.k8s.io", "v1", "RoleBinding");

  private final AdmissionService admission;

  public Auditor(AdmissionService admission) {
    this.admission = admission;
  }

  /** One object judged: the request it stood for, admission's answer, and the results. */
  public record Evaluation(AdmissionRequest request, Simulation simulation,
      AuditedObject audited) {}

  /**
   * Whether the audit reports on {@code object} under {@code policy}: every MLflow CR, and the
   * RoleBindings admission guards (those of an integration role, and those the service manages).
   * Bindings of other roles are left out: admission passes them after one look at their role,
   * and listing every binding of a cluster as {@code pass} would bury the ones that matter.
   */
  public static boolean audited(JsonNode object, Policy policy) {
    String kind = object.path("kind").asString("");
    if (kind.equals(MLFLOW.kind())
        && object.path("apiVersion").asString("").startsWith(MLFLOW.group() + "/")) {
      return true;
    }
    if (!kind.equals(ROLE_BINDING.kind())) {
      return false;
    }
    JsonNode labels = object.path("metadata").path("labels");
    return auditedBinding(object.path("roleRef").path("name").asString(""),
        labels.isObject() && labels.path(RoleBindingPolicy.MANAGED_BY_LABEL).isString()
            ? Map.of(RoleBindingPolicy.MANAGED_BY_LABEL,
                labels.path(RoleBindingPolicy.MANAGED_BY_LABEL).asString())
            : Map.of(), policy);
  }

  /**
   * Whether the audit reports on a RoleBinding of role {@code roleName} with {@code labels}
   * (either may be null): {@link #audited} for a binding not yet converted to JSON.
   */
  public static boolean auditedBinding(String roleName, Map<String, String> labels,
      Policy policy) {
    RoleBindingPolicy bindings = policy.roleBindings();
    return roleName != null && bindings.integrationRoles().contains(roleName)
        || labels != null && bindings.managedBy().equals(
            labels.get(RoleBindingPolicy.MANAGED_BY_LABEL));
  }

  /** Judges {@code object} (with {@code apiVersion} and {@code kind}) as a CREATE of it. */
  public Evaluation evaluate(JsonNode object, DecisionContext context) {
    AdmissionRequest request = createOf(object, context.policy());
    Simulation simulation = admission.simulate(request, context);
    JsonNode metadata = object.path("metadata");
    AuditedObject audited = new AuditedObject(request.kind().kind(), request.name(),
        request.namespace(), metadata.path("uid").asString(""),
        metadata.path("resourceVersion").asString(""), results(simulation.validation().findings()));
    return new Evaluation(request, simulation, audited);
  }

  /** The CREATE admission would have seen for {@code object}. */
  static AdmissionRequest createOf(JsonNode object, Policy policy) {
    String apiVersion = object.path("apiVersion").asString("");
    int slash = apiVersion.indexOf('/');
    GroupVersionKind kind = slash < 0
        ? new GroupVersionKind("", apiVersion, object.path("kind").asString(""))
        : new GroupVersionKind(apiVersion.substring(0, slash), apiVersion.substring(slash + 1),
            object.path("kind").asString(""));
    JsonNode metadata = object.path("metadata");
    String namespace = metadata.path("namespace").asString("");
    return new AdmissionRequest("audit-" + metadata.path("uid").asString(""), kind, null,
        metadata.path("name").asString(""), namespace.isEmpty() ? null : namespace,
        Operation.CREATE, writer(policy), object, null, true);
  }

  private static AdmissionRequest.UserInfo writer(Policy policy) {
    List<String> managers = policy.roleBindings().managers();
    return managers.isEmpty() ? AUDITOR
        : new AdmissionRequest.UserInfo(managers.get(0), List.of());
  }

  /**
   * Every finding as a result ({@code deny}: fail, high; {@code warn}: warn, medium;
   * {@code audit}: warn, low), or one pass when there is none. At most {@link #MAX_RESULTS} per
   * object and {@link #MAX_MESSAGE} characters per message: a binding with ten thousand subjects
   * has a finding for each bad one, and the results live as long as the object.
   */
  static List<AuditResult> results(List<Finding> findings) {
    List<AuditResult> results = new ArrayList<>();
    for (Finding finding : findings) {
      if (finding.rule().equals(WRITER_RULE)) {
        continue;
      }
      switch (finding.action()) {
        case DENY -> results.add(result(finding, Status.FAIL, Severity.HIGH));
        case WARN -> results.add(result(finding, Status.WARN, Severity.MEDIUM));
        case AUDIT -> results.add(result(finding, Status.WARN, Severity.LOW));
        case OFF -> {
          // switched-off rules produce no findings
        }
      }
    }
    if (results.isEmpty()) {
      results.add(new AuditResult(PASS_RULE, Status.PASS, Severity.INFO,
          "admission would admit this object as it is, without findings"));
    }
    return results.size() <= MAX_RESULTS ? results : bounded(results);
  }

  /** The rule id of the one result that stands for the findings left out of a long list. */
  public static final String MORE_RULE = "more-findings";
  static final int MAX_RESULTS = 20;
  static final int MAX_MESSAGE = 1_024;

  /** The first results, and one for the rest: as bad as the worst of them, naming their rules. */
  private static List<AuditResult> bounded(List<AuditResult> results) {
    List<AuditResult> kept = new ArrayList<>(results.subList(0, MAX_RESULTS - 1));
    List<AuditResult> rest = results.subList(MAX_RESULTS - 1, results.size());
    boolean fails = rest.stream().anyMatch(r -> r.result() == Status.FAIL);
    Severity worst = rest.stream().map(AuditResult::severity).min(Enum::compareTo)
        .orElse(Severity.INFO);
    String rules = String.join(", ", rest.stream().map(AuditResult::rule).distinct().sorted()
        .toList());
    kept.add(new AuditResult(MORE_RULE, fails ? Status.FAIL : Status.WARN, worst,
        clip("and " + rest.size() + " more findings of the rules " + rules + ", left out of the"
            + " report to bound its size; fix the ones above and the audit lists the next")));
    return kept;
  }

  private static AuditResult result(Finding finding, Status status, Severity severity) {
    return new AuditResult(finding.rule(), status, severity, clip(finding.describe()));
  }

  /** Admission's words, cut at {@link #MAX_MESSAGE} characters (a field may echo a huge value). */
  static String clip(String message) {
    return Excerpt.within(message, MAX_MESSAGE);
  }
}
