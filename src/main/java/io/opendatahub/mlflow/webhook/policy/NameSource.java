package io.opendatahub.mlflow.webhook.policy;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Where a route check takes the name of the object it names (RBAC {@code resourceNames}), as a
 * route table writes it: {@code name} (the question's {@code name}), {@code path:PARAM},
 * {@code body:FIELD[.FIELD...]} (one value), {@code body:FIELD[]} (every element of a list),
 * {@code body:FIELD[].FIELD} (a field of every element), {@code query:PARAM} or
 * {@code header:NAME}. {@code fields} lead to the value or the list, {@code elementFields} from
 * each element of the list to its value.
 */
public record NameSource(Kind kind, String key, List<String> fields,
    List<String> elementFields) {

  /** The place a value is read from. */
  public enum Kind { QUESTION, PATH, BODY, BODY_EACH, QUERY, HEADER }

  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern HEADER = Pattern.compile("[A-Za-z0-9][-A-Za-z0-9_]*");
  private static final Pattern FIELD_PATH =
      Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*");

  public static final NameSource QUESTION =
      new NameSource(Kind.QUESTION, "name", List.of(), List.of());

  static NameSource parse(String text) {
    String value = text == null ? "" : text.trim();
    if (value.equals("name")) {
      return QUESTION;
    }
    int colon = value.indexOf(':');
    String kind = colon < 0 ? value : value.substring(0, colon);
    String key = colon < 0 ? "" : value.substring(colon + 1);
    return switch (kind) {
      case "path" -> new NameSource(Kind.PATH, identifier(key, text), List.of(), List.of());
      case "query" -> new NameSource(Kind.QUERY, identifier(key, text), List.of(), List.of());
      case "header" -> {
        if (!HEADER.matcher(key).matches()) {
          throw invalid(text);
        }
        // Header names are case-insensitive: compared in lower case.
        yield new NameSource(Kind.HEADER, key.toLowerCase(Locale.ROOT), List.of(),
            List.of());
      }
      case "body" -> {
        int each = key.indexOf("[]");
        String path = each < 0 ? key : key.substring(0, each);
        String element = each < 0 || each + 2 == key.length() ? "" : key.substring(each + 2);
        if (!FIELD_PATH.matcher(path).matches() || !element.isEmpty()
            && !(element.startsWith(".") && FIELD_PATH.matcher(element.substring(1)).matches())) {
          throw invalid(text);
        }
        yield new NameSource(each < 0 ? Kind.BODY : Kind.BODY_EACH, key,
            List.of(path.split("\\.")),
            element.isEmpty() ? List.of() : List.of(element.substring(1).split("\\.")));
      }
      default -> throw invalid(text);
    };
  }

  private static String identifier(String key, String text) {
    if (!IDENTIFIER.matcher(key).matches()) {
      throw invalid(text);
    }
    return key;
  }

  private static IllegalArgumentException invalid(String text) {
    return new IllegalArgumentException("'" + text + "' is not a name source; write name,"
        + " path:PARAM, body:FIELD (dots for nested fields), body:FIELD[] (every element of a"
        + " list), body:FIELD[].FIELD (a field of every element), query:PARAM or header:NAME");
  }

  @Override
  public String toString() {
    return switch (kind) {
      case QUESTION -> "name";
      case PATH -> "path:" + key;
      case BODY, BODY_EACH -> "body:" + key;
      case QUERY -> "query:" + key;
      case HEADER -> "header:" + key;
    };
  }
}
