package io.opendatahub.mlflow.webhook.policy;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * One entry of an {@code MLflowRouteTable}: a tracking-server route and the access reviews the
 * MLflow authorization plugin asks for it. Exactly one of {@code requires}, {@code anyOf},
 * {@code public} and {@code deny} says what is decided.
 */
public record RouteRule(
    @JsonProperty(value = "method", required = true) String method,
    @JsonProperty(value = "path", required = true) String path,
    @JsonProperty("requires") List<Check> requires,
    @JsonProperty("anyOf") List<Check> anyOf,
    @JsonProperty("byName") Boolean byName,
    @JsonProperty("filtered") Boolean filtered,
    @JsonProperty("public") Boolean open,
    @JsonProperty("deny") String deny,
    @JsonProperty("since") String since,
    @JsonProperty("plugin") String plugin) {

  static final Set<String> METHODS =
      Set.of("*", "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");
  private static final Pattern CHECK =
      Pattern.compile("([a-z][a-z0-9]*)(?:/([a-z][a-z0-9]*))?:([a-z]+)");
  private static final Pattern PARAMETER = Pattern.compile("<(?:path:)?([A-Za-z_][A-Za-z0-9_]*)>");
  private static final Pattern TEMPLATE =
      Pattern.compile("(?:[^<>]|<(?:path:)?[A-Za-z_][A-Za-z0-9_]*>)*");

  /**
   * One access review of a route: {@code resource[/subresource]:verb} in the MLflow group.
   * {@code names} says where the names to retry with come from when the unnamed review fails
   * (empty: never retried by name); {@code whenReferenced} checks are asked only when a name
   * source yields a value (the request references such an object).
   */
  public record Check(String resource, String subresource, String verb, List<NameSource> names,
      boolean whenReferenced) {

    public Check {
      names = List.copyOf(names);
    }

    static Check parse(String text) {
      Matcher matcher = CHECK.matcher(text == null ? "" : text);
      if (!matcher.matches()) {
        throw new IllegalArgumentException("'" + text + "' is not a check; write"
            + " resource:verb or resource/subresource:verb, e.g. experiments:get or"
            + " gatewayendpoints/use:create");
      }
      return new Check(matcher.group(1), matcher.group(2) == null ? "" : matcher.group(2),
          matcher.group(3), List.of(), false);
    }

    /** A check as a table writes it: {@code "res:verb"} or {@code {check, name, when}}. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static Check of(JsonNode node) {
      return CheckSyntax.read(node);
    }

    Check withNames(List<NameSource> sources) {
      return new Check(resource, subresource, verb, sources, whenReferenced);
    }

    /** {@code resource} or {@code resource/subresource}, as answers name it. */
    public String fullResource() {
      return subresource.isEmpty() ? resource : resource + "/" + subresource;
    }

    @Override
    public String toString() {
      return fullResource() + ":" + verb;
    }
  }

  public RouteRule {
    method = method == null ? null : method.toUpperCase(Locale.ROOT);
    if (!METHODS.contains(method)) {
      throw new IllegalArgumentException("method must be one of " + METHODS);
    }
    if (path == null || !path.startsWith("/") || !TEMPLATE.matcher(path).matches()) {
      throw new IllegalArgumentException("path must start with / and write parameters as <name>"
          + " or <path:name>");
    }
    byName = Boolean.TRUE.equals(byName);
    filtered = Boolean.TRUE.equals(filtered);
    open = Boolean.TRUE.equals(open);
    requires = named(requires, byName, path);
    anyOf = named(anyOf, byName, path);
    int decisions = (requires.isEmpty() ? 0 : 1) + (anyOf.isEmpty() ? 0 : 1) + (open ? 1 : 0)
        + (deny == null ? 0 : 1);
    if (decisions != 1) {
      throw new IllegalArgumentException("give exactly one of requires, anyOf, public: true and"
          + " deny (found " + decisions + ")");
    }
  }

  /**
   * The checks with their name sources: {@code byName} names every check that says nothing
   * itself by the question's {@code name}; a {@code path:} source must be a parameter of the path.
   */
  private static List<Check> named(List<Check> checks, boolean byName, String path) {
    if (checks == null) {
      return List.of();
    }
    List<String> parameters = parameters(path);
    List<Check> named = new ArrayList<>();
    for (Check check : checks) {
      if (check == null) {
        throw new IllegalArgumentException("a check must not be empty");
      }
      for (NameSource source : check.names()) {
        if (source.kind() == NameSource.Kind.PATH && !parameters.contains(source.key())) {
          throw new IllegalArgumentException("check " + check + " takes its name from path:"
              + source.key() + ", but the path has no parameter <" + source.key() + "> (it has "
              + parameters + ")");
        }
      }
      named.add(check.names().isEmpty() && byName
          ? check.withNames(List.of(NameSource.QUESTION)) : check);
    }
    return List.copyOf(named);
  }

  /** The names of the path's parameters, in order. */
  public static List<String> parameters(String path) {
    List<String> names = new ArrayList<>();
    Matcher parameter = PARAMETER.matcher(path);
    while (parameter.find()) {
      names.add(parameter.group(1));
    }
    return names;
  }

  /** The checks that must all pass ({@code requires}) or one of which must ({@code anyOf}). */
  public List<Check> checks() {
    return requires.isEmpty() ? anyOf : requires;
  }

  public boolean needsAll() {
    return !requires.isEmpty();
  }

  /** Entries with the same key replace each other. */
  public String key() {
    return method + " " + path;
  }
}
