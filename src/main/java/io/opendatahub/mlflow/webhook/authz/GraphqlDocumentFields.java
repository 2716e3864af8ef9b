package io.opendatahub.mlflow.webhook.authz;

import graphql.language.Argument;
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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * One parsed document read once, as upstream's {@code extract_graphql_query_info} reads it: the
 * root fields of every operation (through inline fragments and fragment spreads), where
 * {@code modelVersions} hides below them, and whether a search names its experiments.
 */
final class GraphqlDocumentFields {

  /** The nested field that needs {@code registeredmodels:get} of its own. */
  static final String MODEL_VERSIONS = "modelVersions";

  private final JsonNode variables;
  private final Map<String, FragmentDefinition> fragments = new HashMap<>();
  private final List<OperationDefinition> operations = new ArrayList<>();
  private final String refusal;
  /** Fragments that select {@code modelVersions}, directly or through other fragments. */
  private Set<String> fragmentsWithModelVersions;

  /** {@code variables}: the request's variables object, or null. */
  GraphqlDocumentFields(Document document, JsonNode variables) {
    this.variables = variables;
    this.refusal = index(document);
  }

  private String index(Document document) {
    for (Definition<?> definition : document.getDefinitions()) {
      if (definition instanceof FragmentDefinition fragment) {
        if (fragments.put(fragment.getName(), fragment) != null) {
          return "fragment " + fragment.getName() + " is defined twice";
        }
      } else if (definition instanceof OperationDefinition operation) {
        operations.add(operation);
      } else {
        return "it defines types or schema; only operations and fragments can be executed";
      }
    }
    return null;
  }

  /** Why the document cannot be executed as it is, or null when it can. */
  String refusal() {
    return refusal;
  }

  /** The root fields of every operation: the operation name is not trusted, as upstream. */
  List<Field> rootFields() {
    List<Field> roots = new ArrayList<>();
    for (OperationDefinition operation : operations) {
      rootFields(operation.getSelectionSet(), roots, new HashSet<>());
    }
    return roots;
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

  /** Whether {@code modelVersions} is selected anywhere below the root field. */
  boolean selectsModelVersions(Field root) {
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
          direct |= field.getName().equals(MODEL_VERSIONS);
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
  boolean hasExperimentIds(Field field) {
    for (Argument argument : field.getArguments()) {
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
