package io.opendatahub.mlflow.webhook.authz;

import graphql.language.Field;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.Question;
import io.opendatahub.mlflow.webhook.policy.RouteRule.Check;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The access reviews a {@code /graphql} request needs, read from the fields its document
 * selects, as the tracking server's plugin reads them (mlflow-kubernetes-plugins 1.6.0 and 2.1.0,
 * {@code mlflow_kubernetes_plugins/auth/graphql.py}: {@code GRAPHQL_FIELD_*_MAP},
 * {@code extract_graphql_query_info}, {@code determine_graphql_rules}). Pure: no I/O.
 *
 * <p>Every root field of every operation counts (the operation name is not trusted, as upstream),
 * through inline fragments and fragment spreads, by its name (an alias hides nothing). A root
 * field the table does not know, introspection included, refuses the request, as upstream has no
 * rule for it. A {@code modelVersions} field anywhere below a root field other than
 * {@code mlflowSearchModelVersions} also needs {@code registeredmodels:get}.
 *
 * <p>Reading the document from the question is {@link GraphqlRequest}'s job (with its bounds),
 * walking it {@link GraphqlDocumentFields}'; this class holds upstream's field table and turns
 * the fields into checks.
 */
public final class GraphqlChecks {

  /** How a check that fails may still let the request through, as upstream's field policies. */
  public enum Mode {
    /** {@code broad_only}: the unnamed check decides. */
    BROAD,
    /** {@code single_object}: when the unnamed check fails, the object the field reads. */
    BY_NAME,
    /** {@code request_filter}/{@code response_filter}: the tracking server filters instead. */
    FILTERED
  }

  /** One access review and the fields that need it. */
  public record FieldCheck(Check check, Mode mode, List<String> fields) {}

  /**
   * What the request needs: the checks in upstream's order, or the reason it is refused.
   * {@code namedObjects} counts the objects by-name checks would have to name (the question
   * names at most one).
   */
  public record Plan(List<FieldCheck> checks, String refusal, int namedObjects) {

    static Plan refused(String reason) {
      return new Plan(List.of(), "GraphQL request refused: " + reason, 0);
    }
  }

  /** A root field: its check and policy (upstream's {@code GRAPHQL_FIELD_*_MAP}). */
  private record Known(String resource, String verb, Mode mode, boolean oneName) {}

  private static final Map<String, Known> FIELDS = Map.of(
      "mlflowGetExperiment", new Known("experiments", "get", Mode.BY_NAME, true),
      "mlflowGetRun", new Known("experiments", "get", Mode.BY_NAME, true),
      "mlflowSearchRuns", new Known("experiments", "list", Mode.FILTERED, false),
      // Run ids to experiment names: several names, which one question cannot carry.
      "mlflowGetMetricHistoryBulkInterval", new Known("experiments", "get", Mode.BY_NAME, false),
      "mlflowListArtifacts", new Known("experiments", "get", Mode.BY_NAME, true),
      "mlflowSearchDatasets", new Known("experiments", "list", Mode.FILTERED, false),
      "mlflowSearchModelVersions", new Known("registeredmodels", "list", Mode.FILTERED, false),
      "test", new Known("experiments", "get", Mode.BROAD, false),
      "testMutation", new Known("experiments", "get", Mode.BROAD, false));

  /** Fields whose filtering is on the request: it applies only when experiment ids are given. */
  private static final Set<String> REQUEST_FILTERED = Set.of("mlflowSearchRuns",
      "mlflowSearchDatasets");
  /** Filtered on the response: nested model versions are filtered with it. */
  private static final String RESPONSE_FILTERED = "mlflowSearchModelVersions";

  /** Upstream's policy names, which order its rules. */
  private static String policyName(Known known, String field) {
    return switch (known.mode()) {
      case BROAD -> "broad_only";
      case BY_NAME -> "single_object";
      case FILTERED -> REQUEST_FILTERED.contains(field) ? "request_filter" : "response_filter";
    };
  }

  private GraphqlChecks() {}

  /** The checks of a {@code /graphql} question: the POST body, or for GET its query parameters. */
  public static Plan of(Question question) {
    GraphqlRequest request = GraphqlRequest.read(question);
    if (request.refusal() != null) {
      return Plan.refused(request.refusal());
    }
    GraphqlDocumentFields document =
        new GraphqlDocumentFields(request.document(), request.variables());
    if (document.refusal() != null) {
      return Plan.refused(document.refusal());
    }
    List<Field> roots = document.rootFields();
    if (roots.isEmpty()) {
      return Plan.refused("it selects no field");
    }
    Set<String> unknown = new TreeSet<>();
    for (Field root : roots) {
      if (!FIELDS.containsKey(root.getName())) {
        unknown.add(root.getName());
      }
    }
    if (!unknown.isEmpty()) {
      boolean introspection = unknown.stream().anyMatch(name -> name.startsWith("__"));
      return Plan.refused("no authorization rule covers field" + (unknown.size() > 1 ? "s " : " ")
          + String.join(", ", unknown) + (introspection ? " (introspection is not"
          + " authorized)" : "") + "; the tracking server's plugin refuses such queries");
    }
    return checks(document, roots);
  }

  /** Upstream's rule per (verb, resource, policy), sorted as upstream sorts them. */
  private static Plan checks(GraphqlDocumentFields document, List<Field> roots) {
    record Key(String verb, String resource, String policy) {}
    Map<Key, Set<String>> fields = new TreeMap<>((a, b) -> {
      int verb = a.verb().compareTo(b.verb());
      int resource = a.resource().compareTo(b.resource());
      return verb != 0 ? verb : resource != 0 ? resource : a.policy().compareTo(b.policy());
    });
    Map<Key, Boolean> requestFilterable = new HashMap<>();
    Map<Key, Mode> modes = new HashMap<>();
    int named = 0;
    boolean oneNameEach = true;
    boolean nestedModelVersions = false;
    for (Field root : roots) {
      Known known = FIELDS.get(root.getName());
      Key key = new Key(known.verb(), known.resource(), policyName(known, root.getName()));
      fields.computeIfAbsent(key, ignored -> new TreeSet<>()).add(root.getName());
      modes.put(key, known.mode());
      if (known.mode() == Mode.BY_NAME) {
        named++;
        oneNameEach &= known.oneName();
      }
      if (REQUEST_FILTERED.contains(root.getName())) {
        requestFilterable.merge(key, document.hasExperimentIds(root), Boolean::logicalAnd);
      }
      if (!root.getName().equals(RESPONSE_FILTERED) && document.selectsModelVersions(root)) {
        nestedModelVersions = true;
      }
    }
    if (nestedModelVersions) {
      fields.computeIfAbsent(new Key("get", "registeredmodels", "broad_only"),
          ignored -> new TreeSet<>()).add(GraphqlDocumentFields.MODEL_VERSIONS + " (nested)");
    }
    List<FieldCheck> checks = new ArrayList<>();
    for (Map.Entry<Key, Set<String>> entry : fields.entrySet()) {
      Key key = entry.getKey();
      Mode mode = modes.getOrDefault(key, Mode.BROAD);
      // A search without experiment ids cannot be filtered on the request: broad only.
      if (requestFilterable.containsKey(key) && !requestFilterable.get(key)) {
        mode = Mode.BROAD;
      }
      checks.add(new FieldCheck(new Check(key.resource(), "", key.verb(), List.of(), false), mode,
          List.copyOf(entry.getValue())));
    }
    return new Plan(checks, null, oneNameEach ? named : Integer.MAX_VALUE);
  }
}
