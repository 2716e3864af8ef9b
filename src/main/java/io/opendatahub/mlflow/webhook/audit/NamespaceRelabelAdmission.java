package io.opendatahub.mlflow.webhook.audit;

import io.opendatahub.mlflow.webhook.admission.AdmissionRequest;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.admission.Finding;
import io.opendatahub.mlflow.webhook.admission.GroupVersionKind;
import io.opendatahub.mlflow.webhook.admission.KindHandler;
import io.opendatahub.mlflow.webhook.admission.Operation;
import io.opendatahub.mlflow.webhook.admission.PatchOp;
import io.opendatahub.mlflow.webhook.mlflow.Excerpt;
import io.opendatahub.mlflow.webhook.mlflow.ServedEnvironment;
import io.opendatahub.mlflow.webhook.policy.Action;
import io.opendatahub.mlflow.webhook.policy.Environment;
import io.opendatahub.mlflow.webhook.policy.Policy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Closes the loop at the namespace's end: an UPDATE of a Namespace's labels can move it into a
 * stricter environment while an MLflow instance that serves it breaks that environment's rules
 * (a development namespace labelled production while the instance keeps its SQLite store).
 * Admission of the MLflow CR never sees that write, so this rule judges it here.
 *
 * <p>Each instance is judged by the audit ({@link Auditor}: admission's own rules, as a CREATE of
 * the CR) twice, with the namespace's old labels and with its new ones; the {@code deny}
 * findings only the new labels bring are reported with the policy's
 * {@code spec.mlflow.namespaceRelabel} action. What the instance already broke before is the
 * background audit's to report, not this update's.
 *
 * <p>When the instances or the namespaces are not known yet (informers not synced), nothing is
 * judged and nothing is refused: the webhook entry fails open ({@code failurePolicy: Ignore}),
 * so admins chose availability for namespace writes; a relabel into a stricter environment is
 * then admitted with a warning that it was not checked, so nobody reads silence as "fine".
 */
public final class NamespaceRelabelAdmission implements KindHandler {

  /** Rule id of an instance's finding that the new labels bring. */
  public static final String RULE = "namespace-relabel";

  /** Rule id of a relabel into a stricter environment the service could not check. */
  public static final String UNCHECKED_RULE = "namespace-relabel-unchecked";

  static final String FIELD = "metadata.labels";

  /**
   * Findings listed per request, then one line counts the rest: the API server drops warnings
   * beyond 4 KiB in all, and a cluster may hold many instances with many findings each.
   */
  static final int MAX_FINDINGS = 5;

  /** Characters of one message; five of them and the count stay well under 4 KiB. */
  static final int MAX_MESSAGE = 600;

  private final Auditor auditor;

  /**
   * @param auditor judges MLflow CRs; give it an admission service of its own, so the answers
   *     it remembers for these what-if namespaces do not replace those of real reviews
   */
  public NamespaceRelabelAdmission(Auditor auditor) {
    this.auditor = auditor;
  }

  @Override
  public boolean handles(GroupVersionKind kind) {
    return kind.group().isEmpty() && kind.version().equals("v1")
        && kind.kind().equals("Namespace");
  }

  @Override
  public List<Finding> validate(AdmissionRequest request, DecisionContext context) {
    Action action = context.policy().mlflow().namespaceRelabel();
    if (action == Action.OFF || request.operation() != Operation.UPDATE
        || (request.subResource() != null && !request.subResource().isEmpty())
        || request.object() == null || !request.object().isObject()
        || request.oldObject() == null || !request.oldObject().isObject()) {
      return List.of();
    }
    String name = request.object().path("metadata").path("name").asString("");
    if (name.isEmpty()) {
      name = request.name() == null ? "" : request.name();
    }
    Map<String, String> before = labels(request.oldObject());
    Map<String, String> after = labels(request.object());
    if (name.isEmpty() || before.equals(after)) {
      return List.of();
    }
    Policy policy = context.policy();
    if (!context.instances().synced() || !context.namespaces().synced()) {
      return unchecked(policy, name, before, after, action);
    }
    DecisionContext old = new DecisionContext(policy,
        new RelabelledNamespace(context.namespaces(), name, before));
    DecisionContext relabelled = new DecisionContext(policy,
        new RelabelledNamespace(context.namespaces(), name, after));
    List<Finding> reported = new ArrayList<>();
    int unlisted = 0;
    for (JsonNode instance : byName(context.instances().list())) {
      if (!contributionChanges(instance, policy, name, before, after)) {
        continue;
      }
      for (Finding brought : brought(instance, old, relabelled)) {
        if (reported.size() < MAX_FINDINGS) {
          reported.add(new Finding(RULE, action, FIELD, describe(instance, name, brought)));
        } else {
          unlisted++;
        }
      }
    }
    if (unlisted > 0) {
      reported.add(new Finding(RULE, action, FIELD, unlisted + " more findings of MLflow"
          + " instances under the new labels are not listed; GET /audit lists them all once the"
          + " labels are in place"));
    }
    return reported;
  }

  /** The object is never changed: Namespaces are only judged. */
  @Override
  public List<PatchOp> mutate(AdmissionRequest request, DecisionContext context) {
    return List.of();
  }

  /**
   * Whether the relabel can change the instance's environment at all: it is the strictest among
   * the deployment namespace and the served ones, so only this namespace's own part in it can
   * move, and when that part (served or not, and its environment) is the same before and after,
   * so is every finding. Saves judging twice for a label nobody's environment depends on.
   */
  private static boolean contributionChanges(JsonNode instance, Policy policy, String name,
      Map<String, String> before, Map<String, String> after) {
    return !Objects.equals(contribution(instance, policy, name, before),
        contribution(instance, policy, name, after));
  }

  private static Environment contribution(JsonNode instance, Policy policy, String name,
      Map<String, String> labels) {
    boolean served = name.equals(policy.mlflow().deploymentNamespace())
        || ServedEnvironment.workspaceSelector(instance.path("spec")).matches(labels);
    return served ? policy.classify(name, labels) : null;
  }

  /** The {@code deny} findings the instance has under the new labels and had not under the old. */
  private List<Finding> brought(JsonNode instance, DecisionContext old,
      DecisionContext relabelled) {
    Set<String> before = new HashSet<>();
    for (Finding finding : denials(instance, old)) {
      before.add(finding.rule() + "\n" + finding.field());
    }
    List<Finding> brought = new ArrayList<>();
    for (Finding finding : denials(instance, relabelled)) {
      // Rule and field, not the message: the message names the environment, which is exactly
      // what the relabel changes.
      if (!before.contains(finding.rule() + "\n" + finding.field())) {
        brought.add(finding);
      }
    }
    return brought;
  }

  private List<Finding> denials(JsonNode instance, DecisionContext context) {
    return auditor.evaluate(instance, context).simulation().validation().findings().stream()
        .filter(Finding::denies).toList();
  }

  private static String describe(JsonNode instance, String namespace, Finding finding) {
    return Excerpt.of("MLflow '" + Excerpt.of(instanceName(instance)) + "' serves namespace '"
        + Excerpt.of(namespace) + "' and, with these labels, breaks rule " + finding.rule()
        + " (fix the CR first, or keep the old labels): " + finding.describe(), MAX_MESSAGE);
  }

  /**
   * Without the instances (or the namespaces) nothing can be judged. Only a move into a stricter
   * environment is worth a word: other label changes are the everyday ones (controllers syncing
   * their own labels), and a warning on each would teach users to ignore it.
   */
  private static List<Finding> unchecked(Policy policy, String name, Map<String, String> before,
      Map<String, String> after, Action action) {
    Environment was = policy.classify(name, before);
    Environment becomes = policy.classify(name, after);
    if (policy.strictness(becomes) >= policy.strictness(was)) {
      return List.of();
    }
    return List.of(new Finding(UNCHECKED_RULE, action == Action.AUDIT ? Action.AUDIT : Action.WARN,
        FIELD, "these labels put namespace '" + Excerpt.of(name) + "' in environment '"
            + becomes.name() + "', but the service has not read the cluster's MLflow instances"
            + " yet, so whether one that serves it breaks that environment's rules was not"
            + " checked; GET /audit reports it once they are read"));
  }

  private static Map<String, String> labels(JsonNode object) {
    Map<String, String> labels = new LinkedHashMap<>();
    JsonNode node = object.path("metadata").path("labels");
    if (node.isObject()) {
      node.properties().forEach(entry -> labels.put(entry.getKey(),
          entry.getValue().isString() ? entry.getValue().asString() : entry.getValue().toString()));
    }
    return labels;
  }

  private static String instanceName(JsonNode instance) {
    return instance.path("metadata").path("name").asString("");
  }

  /** In name order, so the same cluster always gives the same answer. */
  private static List<JsonNode> byName(List<JsonNode> instances) {
    return instances.stream()
        .sorted(Comparator.comparing(NamespaceRelabelAdmission::instanceName)).toList();
  }
}
