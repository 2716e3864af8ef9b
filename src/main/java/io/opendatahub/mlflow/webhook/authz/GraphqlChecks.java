package io.opendatahub.mlflow.webhook.authz;

import graphql.language.ArrayValue;
import graphql.language.Definition;
import graphql.language.Document;
import graphql.language.Field;
import graphql.language.FragmentDefinition;
import graphql.language.FragmentSpread;
import graphql.language.InlineFragment;
import graphql.language.ObjectField;
import graphql.language.ObjectValue;
import graphql.language.OperationDefinition;
import graphql.language.Selection;
import graphql.language.SelectionSet;
import graphql.language.Value;
import graphql.language.VariableReference;
import graphql.parser.InvalidSyntaxException;
import graphql.parser.Parser;
import graphql.parser.ParserEnvironment;
import graphql.parser.ParserOptions;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.Question;
import io.opendatahub.mlflow.webhook.policy.RouteRule.Check;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

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
 * <p>The document is parsed by graphql-java with bounds on characters, tokens and nesting, so a
 * huge or deeply nested document is refused before it costs more than a small one.
 */
public final class GraphqlChecks {

  static final int MAX_CHARACTERS = 64 * 1024;
  static final int MAX_TOKENS = 5_000;
  /** Parser rule depth: about a hundred levels of nested selections. */
  static final int MAX_RULE_DEPTH = 400;

  private static final ParserOptions OPTIONS = ParserOptions.newParserOptions()
      .maxCharacters(MAX_CHARACTERS)
      .maxTokens(MAX_TOKENS)
      .maxWhitespaceTokens(MAX_CHARACTERS)
      .maxRuleDepth(MAX_RULE_DEPTH)
      .captureSourceLocation(true)
      .captureIgnoredChars(false)
      .captureLineComments(false)
      // The document may carry values the caller would not want repeated in a denial.
      .redactTokenParserErrorMessages(true)
      .build();

  private static final JsonMapper MAPPER = new JsonMapper();

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
  private static final String NESTED_MODEL_VERSIONS = "modelVersions";

  /** Upstream's policy names, which order its rules. */
  private static String policyName(Known known, String field) {
    return switch (known.mode()) {
      case BROAD -> "broad_only";
      case BY_NAME -> "single_object";
      case FILTERED -> REQUEST_FILTERED.contains(field) ? "request_filter" : "response_filter";
    };
  }

  private GraphqlChecks() {}

  /**
   * Documents longer than this are read off the event loop and count as a batch for their
   * caller: reading the longest allowed one takes milliseconds.
   */
  static final int INLINE_CHARACTERS = 2 * 1024;

  /** Whether the question carries a document too long to read on the caller's thread. */
  static boolean heavy(Question question) {
    try {
      if (!RouteTable.normalize(question.path()).equals("/graphql")) {
        return false;
      }
    } catch (IllegalArgumentException e) {
      return false;
    }
    JsonNode body = question.body();
    if (body != null && body.isObject()) {
      JsonNode text = body.get("query");
      return text != null && text.isString() && text.asString().length() > INLINE_CHARACTERS;
    }
    String query = first(question.query(), "query");
    return (query != null && query.length() > INLINE_CHARACTERS)
        || (question.path() != null && question.path().length() > INLINE_CHARACTERS);
  }

  /** The checks of a {@code /graphql} question: the POST body, or for GET its query parameters. */
  public static Plan of(Question question) {
    JsonNode body = question.body();
    String query;
    JsonNode variables;
    if (body != null && body.isObject()) {
      JsonNode text = body.get("query");
      if (text != null && !text.isNull() && !text.isString()) {
        return Plan.refused("query must be a string");
      }
      query = text == null || text.isNull() ? null : text.asString();
      variables = body.get("variables");
    } else {
      Map<String, List<String>> parameters = question.query().isEmpty()
          ? pathParameters(question.path()) : question.query();
      query = first(parameters, "query");
      variables = parsedVariables(first(parameters, "variables"));
    }
    if (query == null || query.isBlank()) {
      return Plan.refused("it has no query (send the request's JSON body as body, or for GET its"
          + " query parameters as query)");
    }
    if (query.length() > MAX_CHARACTERS) {
      return Plan.refused("the query has " + query.length() + " characters; at most "
          + MAX_CHARACTERS + " are read");
    }
    Document document;
    try {
      document = new Parser().parseDocument(ParserEnvironment.newParserEnvironment()
          .document(query).parserOptions(OPTIONS).build());
    } catch (InvalidSyntaxException e) {
      return Plan.refused("the query does not parse: " + e.getMessage());
    }
    return new Reader(document, variables != null && variables.isObject() ? variables : null)
        .plan();
  }

  /** A GET whose question left the parameters in the path: read them from there. */
  private static Map<String, List<String>> pathParameters(String path) {
    int at = path == null ? -1 : path.indexOf('?');
    if (at < 0) {
      return Map.of();
    }
    int end = path.indexOf('#', at);
    Map<String, List<String>> parameters = new HashMap<>();
    for (String pair : path.substring(at + 1, end < 0 ? path.length() : end).split("&")) {
      int equals = pair.indexOf('=');
      try {
        String name = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals),
            StandardCharsets.UTF_8);
        String value = equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1),
            StandardCharsets.UTF_8);
        parameters.computeIfAbsent(name, ignored -> new ArrayList<>()).add(value);
      } catch (IllegalArgumentException e) {
        // A broken escape: the parameter is not read, as a server would refuse it.
      }
    }
    return parameters;
  }

  private static String first(Map<String, List<String>> query, String name) {
    List<String> values = query.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  /** GET sends variables as a JSON string; upstream ignores one that does not parse. */
  private static JsonNode parsedVariables(String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    try {
      return MAPPER.readTree(text);
    } catch (JacksonException e) {
      return null;
    }
  }

  /** One document read once: its root fields and where {@code modelVersions} hides. */
  private static final class Reader {

    private final Document document;
    private final JsonNode variables;
    private final Map<String, FragmentDefinition> fragments = new HashMap<>();
    /** Fragments that select {@code modelVersions}, directly or through other fragments. */
    private Set<String> fragmentsWithModelVersions;

    Reader(Document document, JsonNode variables) {
      this.document = document;
      this.variables = variables;
    }

    Plan plan() {
      List<OperationDefinition> operations = new ArrayList<>();
      for (Definition<?> definition : document.getDefinitions()) {
        if (definition instanceof FragmentDefinition fragment) {
          if (fragments.put(fragment.getName(), fragment) != null) {
            return Plan.refused("fragment " + fragment.getName() + " is defined twice");
          }
        } else if (definition instanceof OperationDefinition operation) {
          operations.add(operation);
        } else {
          return Plan.refused("it defines types or schema; only operations and fragments can be"
              + " executed");
        }
      }
      List<Field> roots = new ArrayList<>();
      for (OperationDefinition operation : operations) {
        rootFields(operation.getSelectionSet(), roots, new HashSet<>());
      }
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
      return checks(roots);
    }

    /** Upstream's rule per (verb, resource, policy), sorted as upstream sorts them. */
    private Plan checks(List<Field> roots) {
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
        fields.computeIfAbsent(key, ignored -> new java.util.TreeSet<>()).add(root.getName());
        modes.put(key, known.mode());
        if (known.mode() == Mode.BY_NAME) {
          named++;
          oneNameEach &= known.oneName();
        }
        if (REQUEST_FILTERED.contains(root.getName())) {
          requestFilterable.merge(key, hasExperimentIds(root), Boolean::logicalAnd);
        }
        if (!root.getName().equals(RESPONSE_FILTERED) && selectsModelVersions(root)) {
          nestedModelVersions = true;
        }
      }
      if (nestedModelVersions) {
        fields.computeIfAbsent(new Key("get", "registeredmodels", "broad_only"),
            ignored -> new TreeSet<>()).add(NESTED_MODEL_VERSIONS + " (nested)");
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

    /** Root-level fields, through inline fragments and spreads; each spread once per operation. */
    private void rootFields(SelectionSet set, List<Field> roots, Set<String> spread) {
      if (set == null) {
        return;
      }
      for (Selection<?> selection : set.getSelections()) {
        if (selection instanceof Field field) {
          roots.add(field);
        } else if (selection instanceof InlineFragment inline) {
          rootFields(inline.getSelectionSet(), roots, spread);
        } else if (selection instanceof FragmentSpread fragmentSpread
            && spread.add(fragmentSpread.getName())) {
          FragmentDefinition fragment = fragments.get(fragmentSpread.getName());
          if (fragment != null) {
            rootFields(fragment.getSelectionSet(), roots, spread);
          }
        }
      }
    }

    private boolean selectsModelVersions(Field root) {
      if (fragmentsWithModelVersions == null) {
        fragmentsWithModelVersions = fragmentsWithModelVersions();
      }
      Scan scan = scan(root.getSelectionSet());
      return scan.direct() || scan.spreads().stream().anyMatch(fragmentsWithModelVersions::contains);
    }

    /** A selection set, not entering fragment spreads: whether it selects the field, and spreads. */
    private record Scan(boolean direct, Set<String> spreads) {}

    private static Scan scan(SelectionSet top) {
      boolean direct = false;
      Set<String> spreads = new HashSet<>();
      Deque<SelectionSet> pending = new ArrayDeque<>();
      if (top != null) {
        pending.push(top);
      }
      while (!pending.isEmpty()) {
        for (Selection<?> selection : pending.pop().getSelections()) {
          if (selection instanceof Field field) {
            direct |= field.getName().equals(NESTED_MODEL_VERSIONS);
            if (field.getSelectionSet() != null) {
              pending.push(field.getSelectionSet());
            }
          } else if (selection instanceof InlineFragment inline) {
            if (inline.getSelectionSet() != null) {
              pending.push(inline.getSelectionSet());
            }
          } else if (selection instanceof FragmentSpread fragmentSpread) {
            spreads.add(fragmentSpread.getName());
          }
        }
      }
      return new Scan(direct, spreads);
    }

    /**
     * Reachability over the spread graph, so cycles terminate and every fragment is scanned
     * once: a fragment has {@code modelVersions} when it selects it or spreads one that has.
     */
    private Set<String> fragmentsWithModelVersions() {
      Map<String, Set<String>> spreadBy = new HashMap<>();
      Deque<String> found = new ArrayDeque<>();
      Set<String> result = new HashSet<>();
      for (FragmentDefinition fragment : fragments.values()) {
        Scan scan = scan(fragment.getSelectionSet());
        for (String spread : scan.spreads()) {
          spreadBy.computeIfAbsent(spread, ignored -> new HashSet<>()).add(fragment.getName());
        }
        if (scan.direct() && result.add(fragment.getName())) {
          found.push(fragment.getName());
        }
      }
      while (!found.isEmpty()) {
        for (String parent : spreadBy.getOrDefault(found.pop(), Set.of())) {
          if (result.add(parent)) {
            found.push(parent);
          }
        }
      }
      return result;
    }

    /**
     * Whether a search names its experiments ({@code input.experimentIds} or
     * {@code input.experiment_ids}, a non-empty list, literal or from variables), so the
     * tracking server can filter the request down to the readable ones.
     */
    private boolean hasExperimentIds(Field field) {
      for (graphql.language.Argument argument : field.getArguments()) {
        if (!argument.getName().equals("input")) {
          continue;
        }
        Value<?> input = argument.getValue();
        if (input instanceof ObjectValue object) {
          Map<String, Value<?>> byName = new LinkedHashMap<>();
          for (ObjectField objectField : object.getObjectFields()) {
            byName.put(objectField.getName(), objectField.getValue());
          }
          return nonEmptyList(byName.get("experimentIds"))
              || nonEmptyList(byName.get("experiment_ids"));
        }
        if (input instanceof VariableReference reference) {
          JsonNode value = variable(reference);
          return value != null && value.isObject()
              && (nonEmptyArray(value.get("experimentIds"))
              || nonEmptyArray(value.get("experiment_ids")));
        }
        return false;
      }
      return false;
    }

    private boolean nonEmptyList(Value<?> value) {
      if (value instanceof ArrayValue array) {
        return !array.getValues().isEmpty();
      }
      return value instanceof VariableReference reference && nonEmptyArray(variable(reference));
    }

    private JsonNode variable(VariableReference reference) {
      return variables == null ? null : variables.get(reference.getName());
    }

    private static boolean nonEmptyArray(JsonNode node) {
      return node != null && node.isArray() && !node.isEmpty();
    }
  }
}
