package io.opendatahub.mlflow.webhook.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.admission.AdmissionRequest;
import io.opendatahub.mlflow.webhook.admission.AdmissionResponse;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.admission.Operation;
import io.opendatahub.mlflow.webhook.admission.StaticNamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.PatchDifferential;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The RoleBinding subjects' patch against the one the service answered before (a diff of the
 * binding and a deep copy the old defaulter filled in, kept below as the reference), for every
 * list of up to three subjects drawn from ServiceAccounts with a missing, empty, null, the
 * binding's or another namespace, other kinds, a non-object and a key that needs escaping,
 * with the binding's namespace in its metadata or only in the request. Both patches must apply
 * to the binding as sent and give the same binding, and be the same bytes wherever the diff only
 * added and replaced.
 */
class SubjectNamespacePatchDifferentialTest {

  private static final List<String> SUBJECTS = List.of(
      "{\"kind\":\"ServiceAccount\",\"name\":\"runner\"}",
      "{\"kind\":\"ServiceAccount\",\"name\":\"runner\",\"namespace\":\"\"}",
      "{\"kind\":\"ServiceAccount\",\"name\":\"runner\",\"namespace\":null}",
      "{\"kind\":\"ServiceAccount\",\"name\":\"runner\",\"namespace\":\"team-a\"}",
      "{\"kind\":\"ServiceAccount\",\"name\":\"other\",\"namespace\":\"elsewhere\"}",
      "{\"kind\":\"ServiceAccount\",\"name\":\"tilde\",\"x/y~z\":\"team-a\"}",
      "{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"Group\",\"name\":\"g\"}",
      "{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"User\",\"name\":\"u\"}",
      "\"not an object\"");

  private final Policy policy = TestPolicies.shipped();
  private final DecisionContext context =
      new DecisionContext(policy, StaticNamespaceFacts.fromPolicy(policy));
  private final AdmissionService service = new AdmissionService(List.of(new RoleBindingAdmission()));

  @Test
  void everyPatchGivesTheBindingTheOldDiffGave() {
    List<String> problems = new ArrayList<>();
    Map<String, Integer> outcomes = new TreeMap<>();
    List<List<String>> lists = lists(3);
    for (boolean inMetadata : List.of(true, false)) {
      for (List<String> subjects : lists) {
        ObjectNode binding = (ObjectNode) Fixtures.JSON.readTree(
            "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"RoleBinding\","
                + "\"metadata\":{\"name\":\"b\"" + (inMetadata ? ",\"namespace\":\"team-a\"" : "")
                + "},\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\","
                + "\"kind\":\"ClusterRole\",\"name\":\"view\"},\"subjects\":" + subjects + "}");
        ObjectNode sent = binding.deepCopy();
        Fixtures.Review review = new Fixtures.Review()
            .kind("rbac.authorization.k8s.io", "v1", "RoleBinding").object(binding);
        ((ObjectNode) review.json().get("request")).put("namespace", "team-a");
        AdmissionRequest request = review.request();
        AdmissionResponse answer = service.mutate(request, context);

        PatchDifferential.Outcome outcome =
            PatchDifferential.compare(sent, DeepCopyReference.mutate(request), answer);
        String name = subjects + (inMetadata ? "" : " (namespace from the request)");
        outcome.problems().forEach(problem -> problems.add(name + ": " + problem));
        String kind = !answer.hasPatch() ? "no patch"
            : outcome.sameOperations() ? "same operations" : "diff used " + outcome.diffOps();
        outcomes.merge(kind, 1, Integer::sum);
      }
    }

    assertThat(problems).as("cases by outcome: %s", outcomes).isEmpty();
    assertThat(outcomes).as("what the cases covered").containsKeys("no patch", "same operations");
  }

  /** Every list of at most {@code length} subjects drawn from {@link #SUBJECTS}, as JSON. */
  private static List<List<String>> lists(int length) {
    List<List<String>> lists = new ArrayList<>();
    lists.add(List.of());
    List<List<String>> shorter = List.of(List.of());
    for (int size = 1; size <= length; size++) {
      List<List<String>> longer = new ArrayList<>();
      for (List<String> list : shorter) {
        for (String subject : SUBJECTS) {
          List<String> next = new ArrayList<>(list);
          next.add(subject);
          longer.add(next);
        }
      }
      lists.addAll(longer);
      shorter = longer;
    }
    return lists;
  }

  /**
   * The defaulting as the service did it before it emitted operations (a deep copy filled in),
   * kept as the reference for its answers.
   */
  private static final class DeepCopyReference {

    static JsonNode mutate(AdmissionRequest request) {
      JsonNode binding = request.object();
      boolean writes = request.operation() == Operation.CREATE
          || request.operation() == Operation.UPDATE;
      if (!writes || binding == null || !binding.path("subjects").isArray()) {
        return binding;
      }
      String namespace = binding.path("metadata").path("namespace").asString("");
      if (namespace.isEmpty() && request.namespace() != null) {
        namespace = request.namespace();
      }
      if (namespace.isEmpty()) {
        return binding;
      }
      ObjectNode result = ((ObjectNode) binding).deepCopy();
      JsonNode subjects = binding.path("subjects");
      for (int i = 0; i < subjects.size(); i++) {
        JsonNode subject = subjects.get(i);
        if (subject.isObject() && "ServiceAccount".equals(subject.path("kind").asString(""))
            && subject.path("namespace").asString("").isEmpty()) {
          ((ObjectNode) ((ArrayNode) result.get("subjects")).get(i)).put("namespace", namespace);
        }
      }
      return result;
    }
  }
}
