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
  private static final String API = "/api/";
  private static final String AJAX_API = "/ajax-api/";

  /** {@code prefix}: the literal text before the first parameter, a cheap test before the regex. */
  private record Template(RouteRule rule, String prefix, Pattern pattern, int literalChars) {}

  private final Map<String, RouteRule> literals = new HashMap<>();
  private final List<Template> templates = new ArrayList<>();

  public RouteTable(List<RouteRule> rules) {
    for (RouteRule rule : rules) {
      if (PARAMETER.matcher(rule.path()).find()) {
        templates.add(compile(rule));
      } else {
        literals.put(rule.key(), rule);
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
      regex.append(parameter.group(1) != null ? ".+" : "[^/]+");
      at = parameter.end();
    }
    regex.append(Pattern.quote(rule.path().substring(at)));
    literalChars += rule.path().length() - at;
    String prefix = rule.path().substring(0, rule.path().indexOf('<'));
    return new Template(rule, prefix, Pattern.compile(regex.toString()), literalChars);
  }

  /**
   * The rule for a request, empty when the table has none.
   *
   * @throws IllegalArgumentException when the path is not one a server would route
   */
  public Optional<RouteRule> match(String method, String path) {
    String verb = method.toUpperCase(Locale.ROOT);
    List<String> methods = verb.equals("HEAD") ? List.of("HEAD", "GET") : List.of(verb);
    String served = normalize(path);
    List<String> candidates = served.startsWith(AJAX_API)
        ? List.of(served, API + served.substring(AJAX_API.length())) : List.of(served);
    for (String candidate : candidates) {
      Optional<RouteRule> rule = match(methods, candidate);
      if (rule.isPresent()) {
        return rule;
      }
    }
    return Optional.empty();
  }

  private Optional<RouteRule> match(List<String> methods, String path) {
    for (String method : methods) {
      RouteRule literal = literals.get(method + " " + path);
      if (literal != null) {
        return Optional.of(literal);
      }
    }
    RouteRule anyMethod = literals.get("* " + path);
    if (anyMethod != null) {
      return Optional.of(anyMethod);
    }
    for (Template template : templates) {
      String method = template.rule().method();
      if ((method.equals("*") || methods.contains(method)) && path.startsWith(template.prefix())
          && template.pattern().matcher(path).matches()) {
        return Optional.of(template.rule());
      }
    }
    return Optional.empty();
  }

  /**
   * The path as the tracking server routes it: query removed, percent-escapes decoded, the
   * operator's {@code /mlflow} prefix removed. Dot segments are refused rather than resolved, so
   * a path cannot reach a route other than the one it names.
   */
  static String normalize(String path) {
    if (path == null || !path.startsWith("/")) {
      throw new IllegalArgumentException("path must start with /");
    }
    int end = path.length();
    for (char stop : new char[] {'?', '#'}) {
      int at = path.indexOf(stop);
      if (at >= 0 && at < end) {
        end = at;
      }
    }
    String decoded = decode(path.substring(0, end));
    for (String segment : decoded.split("/", -1)) {
      if (segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException("path must not contain . or .. segments");
      }
    }
    if (decoded.equals(STATIC_PREFIX)) {
      return "/";
    }
    return decoded.startsWith(STATIC_PREFIX + "/")
        ? decoded.substring(STATIC_PREFIX.length()) : decoded;
  }

  private static String decode(String path) {
    if (path.indexOf('%') < 0) {
      if (path.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
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
    if (decoded.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw new IllegalArgumentException("path must not contain control characters");
    }
    return decoded;
  }
}
