package io.opendatahub.mlflow.webhook.policy;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * A Kubernetes label selector ({@code matchLabels} and {@code matchExpressions}), with the
 * semantics of {@code metav1.LabelSelector}: all terms must hold, and an empty selector matches
 * every object.
 */
public record LabelSelector(
    @JsonProperty("matchLabels") Map<String, String> matchLabels,
    @JsonProperty("matchExpressions") List<Requirement> matchExpressions) {

  public LabelSelector {
    matchLabels = matchLabels == null ? Map.of() : Map.copyOf(matchLabels);
    matchExpressions = matchExpressions == null ? List.of() : List.copyOf(matchExpressions);
  }

  public static final LabelSelector EVERYTHING = new LabelSelector(null, null);

  public boolean matches(Map<String, String> labels) {
    for (Map.Entry<String, String> wanted : matchLabels.entrySet()) {
      if (!wanted.getValue().equals(labels.get(wanted.getKey()))) {
        return false;
      }
    }
    for (Requirement requirement : matchExpressions) {
      if (!requirement.matches(labels)) {
        return false;
      }
    }
    return true;
  }

  /** One {@code matchExpressions} entry. */
  public record Requirement(
      @JsonProperty(value = "key", required = true) String key,
      @JsonProperty(value = "operator", required = true) Operator operator,
      @JsonProperty("values") List<String> values) {

    public Requirement {
      values = values == null ? List.of() : List.copyOf(values);
      if (key == null || key.isEmpty()) {
        throw new IllegalArgumentException("matchExpressions[].key must not be empty");
      }
      if (operator == null) {
        throw new IllegalArgumentException("matchExpressions[].operator is required");
      }
      boolean needsValues = operator == Operator.In || operator == Operator.NotIn;
      if (needsValues && values.isEmpty()) {
        throw new IllegalArgumentException(
            "matchExpressions[] with operator " + operator + " needs at least one value");
      }
      if (!needsValues && !values.isEmpty()) {
        throw new IllegalArgumentException(
            "matchExpressions[] with operator " + operator + " must not list values");
      }
    }

    boolean matches(Map<String, String> labels) {
      String value = labels.get(key);
      return switch (operator) {
        case In -> value != null && values.contains(value);
        case NotIn -> value == null || !values.contains(value);
        case Exists -> value != null;
        case DoesNotExist -> value == null;
      };
    }
  }

  /** Operators of a label selector requirement, spelled as Kubernetes spells them. */
  public enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist
  }
}
