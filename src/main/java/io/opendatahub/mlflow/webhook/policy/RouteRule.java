package io.opendatahub.mlflow.webhook.policy;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One entry of an {@code MLflowRouteTable}: a tracking-server route and the access reviews the
 * MLflow authorization plugin asks for it. Exactly one of {@code requires}, {@code anyOf},
 * {@code public} and {@code deny} says what is decided.
 */
public record RouteRule(
    @JsonProperty(value = "method", required = true) String method,
    @JsonProperty(value = "path", required = true) String path,
    @JsonProperty("requires") List<String> requires,
    @JsonProperty("anyOf") List<String> anyOf,
    @JsonProperty("byName") Boolean byName,
    @JsonProperty("filtered") Boolean filtered,
    @JsonProperty("public") Boolean open,
    @JsonProperty("deny") String deny,
    @JsonProperty("since") String since) {

  static final Set<String> METHODS =
      Set.of("*", "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");
  private static final Pattern CHECK =
      Pattern.compile("([a-z][a-z0-9]*)(?:/([a-z][a-z0-9]*))?:([a-z]+)");
  private static final Pattern TEMPLATE =
      Pattern.compile("(?:[^<>]|<(?:path:)?[A-Za-z_][A-Za-z0-9_]*>)*");

  /** One access review of a route: {@code resource[/subresource]:verb} in the MLflow group. */
  public record Check(String resource, String subresource, String verb) {
    static Check parse(String text) {
      var matcher = CHECK.matcher(text == null ? "" : text);
      if (!matcher.matches()) {
        throw new IllegalArgumentException("'" + text + "' is not a check; write"
            + " resource:verb or resource/subresource:verb, e.g. experiments:get or"
            + " gatewayendpoints/use:create");
      }
      return new Check(matcher.group(1), matcher.group(2) == null ? "" : matcher.group(2),
          matcher.group(3));
    }

    @Override
    public String toString() {
      return (subresource.isEmpty() ? resource : resource + "/" + subresource) + ":" + verb;
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
    requires = requires == null ? List.of() : List.copyOf(requires);
    anyOf = anyOf == null ? List.of() : List.copyOf(anyOf);
    byName = Boolean.TRUE.equals(byName);
    filtered = Boolean.TRUE.equals(filtered);
    open = Boolean.TRUE.equals(open);
    int decisions = (requires.isEmpty() ? 0 : 1) + (anyOf.isEmpty() ? 0 : 1) + (open ? 1 : 0)
        + (deny == null ? 0 : 1);
    if (decisions != 1) {
      throw new IllegalArgumentException("give exactly one of requires, anyOf, public: true and"
          + " deny (found " + decisions + ")");
    }
    checks(requires);
    checks(anyOf);
  }

  /** The checks that must all pass ({@code requires}) or one of which must ({@code anyOf}). */
  public List<Check> checks() {
    return checks(requires.isEmpty() ? anyOf : requires);
  }

  public boolean needsAll() {
    return !requires.isEmpty();
  }

  private static List<Check> checks(List<String> texts) {
    List<Check> checks = new ArrayList<>();
    texts.forEach(text -> checks.add(Check.parse(text)));
    return checks;
  }

  /** Entries with the same key replace each other. */
  public String key() {
    return method + " " + path;
  }
}
