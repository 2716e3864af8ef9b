package io.opendatahub.mlflow.webhook.authz;

import io.opendatahub.mlflow.webhook.policy.RouteRule;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The MLflow route table, compiled for lookups: which rule answers a method and a path as the
 * tracking server sees them. Literal paths are found by hash; templates are tried from the most
 * specific (most literal characters) down.
 */
public final class RouteTable {

  private static final Pattern PARAMETER = Pattern.compile("<(path:)?[A-Za-z_][A-Za-z0-9_]*>");
  private static final String STATIC_PREFIX = "/mlflow";
  /**
   * The plugin removes the static prefix only when what follows is one of these routes (or
   * under one), so {@code /mlflow/mlflow/api/...} or {@code /mlflow/unknown} stay unmatched.
   */
  private static final List<String> STRIPPED_BEFORE = List.of("/", "/health", "/metrics",
      "/version", "/server-info", "/api", "/ajax-api", "/get-artifact",
      "/model-versions/get-artifact", "/static-files", "/graphql", "/gateway", "/v1/traces");
  private static final String API = "/api/";
  private static final String AJAX_API = "/ajax-api/";

  /** {@code prefix}: the literal text before the first parameter, a cheap test before the regex. */
  private record Template(RouteRule rule, String prefix, Pattern pattern, int literalChars,
      List<String> parameters) {}

  /**
   * The rule a request matched, with the values of its path's parameters and the path as the
   * table read it ({@link #normalize}, with {@code /ajax-api} read as {@code /api} where that
   * matched), so no one reads the request's path a second time.
   */
  public record Match(RouteRule rule, Map<String, String> parameters, String path) {
    public Match {
      parameters = Map.copyOf(parameters);
    }
  }

  /** Literal paths, then their methods ({@code *} for any): no key is joined per request. */
  private final Map<String, Map<String, RouteRule>> literals = new HashMap<>();
  private final List<Template> templates = new ArrayList<>();

  public RouteTable(List<RouteRule> rules) {
    for (RouteRule rule : rules) {
      if (PARAMETER.matcher(rule.path()).find()) {
        templates.add(compile(rule));
      } else {
        literals.computeIfAbsent(rule.path(), path -> new HashMap<>()).put(rule.method(), rule);
      }
    }
    templates.sort(Comparator.comparingInt(Template::literalChars).reversed());
  }

  private static Template compile(RouteRule rule) {
    StringBuilder regex = new StringBuilder();
    Matcher parameter = PARAMETER.matcher(rule.path());
    int literalChars = 0;
    int at = 0;
    while (parameter.find()) {
      regex.append(Pattern.quote(rule.path().substring(at, parameter.start())));
      literalChars += parameter.start() - at;
      regex.append(parameter.group(1) != null ? "(.+)" : "([^/]+)");
      at = parameter.end();
    }
    regex.append(Pattern.quote(rule.path().substring(at)));
    literalChars += rule.path().length() - at;
    String prefix = rule.path().substring(0, rule.path().indexOf('<'));
    return new Template(rule, prefix, Pattern.compile(regex.toString()), literalChars,
        RouteRule.parameters(rule.path()));
  }

  /**
   * The rule for a request, empty when the table has none.
   *
   * @throws IllegalArgumentException when the path is not one a server would route
   */
  public Optional<Match> match(String method, String path) {
    // HEAD is not answered as GET: the plugin compiles no HEAD rules and refuses HEAD (404),
    // so only an entry written for HEAD (or "*") matches it.
    String verb = method.toUpperCase(Locale.ROOT);
    String served = normalize(path);
    List<String> candidates = served.startsWith(AJAX_API)
        ? List.of(served, API + served.substring(AJAX_API.length())) : List.of(served);
    for (String candidate : candidates) {
      Optional<Match> rule = matchServed(verb, candidate);
      if (rule.isPresent()) {
        return rule;
      }
    }
    return Optional.empty();
  }

  private Optional<Match> matchServed(String verb, String path) {
    Map<String, RouteRule> methods = literals.get(path);
    RouteRule literal = methods == null ? null : methods.get(verb);
    if (literal == null && methods != null) {
      literal = methods.get("*");
    }
    if (literal != null) {
      return Optional.of(new Match(literal, Map.of(), path));
    }
    for (Template template : templates) {
      String method = template.rule().method();
      if (!(method.equals("*") || method.equals(verb)) || !path.startsWith(template.prefix())) {
        continue;
      }
      Matcher matcher = template.pattern().matcher(path);
      if (matcher.matches()) {
        Map<String, String> parameters = new HashMap<>();
        for (int i = 0; i < template.parameters().size(); i++) {
          parameters.putIfAbsent(template.parameters().get(i), matcher.group(i + 1));
        }
        return Optional.of(new Match(template.rule(), parameters, path));
      }
    }
    return Optional.empty();
  }

  /**
   * The path as the tracking server routes it: query removed, percent-escapes decoded, the
   * operator's {@code /mlflow} prefix removed where the plugin removes it. Dot segments are
   * refused rather than resolved, so a path cannot reach a route other than the one it names.
   */
  static String normalize(String path) {
    if (path == null || !path.startsWith("/")) {
      throw new IllegalArgumentException("path must start with /");
    }
    int end = path.length();
    for (int i = 0; i < end; i++) {
      char c = path.charAt(i);
      if (c == '?' || c == '#') {
        end = i;
      }
    }
    String decoded = decode(path.substring(0, end));
    if (dotSegment(decoded)) {
      throw new IllegalArgumentException("path must not contain . or .. segments");
    }
    if (decoded.equals(STATIC_PREFIX)) {
      return "/";
    }
    if (!decoded.startsWith(STATIC_PREFIX + "/")) {
      return decoded;
    }
    String stripped = decoded.substring(STATIC_PREFIX.length());
    for (String known : STRIPPED_BEFORE) {
      if (stripped.equals(known) || stripped.startsWith(known + "/")) {
        return stripped;
      }
    }
    return decoded;
  }

  /** Whether a segment between slashes is {@code .} or {@code ..}; scanned, not split. */
  private static boolean dotSegment(String path) {
    int start = 0;
    while (start <= path.length()) {
      int slash = path.indexOf('/', start);
      int end = slash < 0 ? path.length() : slash;
      if (end - start <= 2 && end > start && path.charAt(start) == '.'
          && (end - start == 1 || path.charAt(start + 1) == '.')) {
        return true;
      }
      start = end + 1;
    }
    return false;
  }

  private static boolean control(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return true;
      }
    }
    return false;
  }

  private static String decode(String path) {
    if (path.indexOf('%') < 0) {
      if (control(path)) {
        throw new IllegalArgumentException("path must not contain control characters");
      }
      return path;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(path.length());
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '%') {
        if (i + 2 >= path.length()) {
          throw new IllegalArgumentException("path has an incomplete %-escape");
        }
        int value = Character.digit(path.charAt(i + 1), 16) * 16
            + Character.digit(path.charAt(i + 2), 16);
        if (Character.digit(path.charAt(i + 1), 16) < 0
            || Character.digit(path.charAt(i + 2), 16) < 0) {
          throw new IllegalArgumentException("path has an invalid %-escape");
        }
        bytes.write(value);
        i += 2;
      } else if (c < 0x20 || c == 0x7f) {
        throw new IllegalArgumentException("path must not contain control characters");
      } else {
        bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
      }
    }
    String decoded = bytes.toString(StandardCharsets.UTF_8);
    if (control(decoded)) {
      throw new IllegalArgumentException("path must not contain control characters");
    }
    return decoded;
  }
}
