package io.opendatahub.mlflow.webhook.authz;

import graphql.language.Document;
import graphql.parser.InvalidSyntaxException;
import graphql.parser.Parser;
import graphql.parser.ParserEnvironment;
import graphql.parser.ParserOptions;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.Question;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The GraphQL document a {@code /graphql} question carries, and its variables: from the POST
 * body, or for GET from the query parameters (or the path's query string when the question left
 * them there). Either {@code document} is set or {@code refusal} says why the request is refused.
 *
 * <p>The document is parsed by graphql-java with bounds on characters, tokens and nesting, so a
 * huge or deeply nested document is refused before it costs more than a small one.
 *
 * @param variables the variables object, or null when there is none (or it is not an object)
 */
record GraphqlRequest(Document document, JsonNode variables, String refusal) {

  static final int MAX_CHARACTERS = 64 * 1024;
  static final int MAX_TOKENS = 5_000;
  /** Parser rule depth: about a hundred levels of nested selections. */
  static final int MAX_RULE_DEPTH = 400;

  /**
   * Documents longer than this are read off the event loop and count as a batch for their
   * caller: reading the longest allowed one takes milliseconds.
   */
  static final int INLINE_CHARACTERS = 2 * 1024;

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

  private static GraphqlRequest refused(String reason) {
    return new GraphqlRequest(null, null, reason);
  }

  /** Whether the question carries a document too long to read on the caller's thread. */
  static boolean heavy(Question question) {
    // The lengths first: they are cheap, and almost no question carries a long text, so the
    // path is read only for the few that do.
    JsonNode body = question.body();
    boolean longText;
    if (body != null && body.isObject()) {
      JsonNode text = body.get("query");
      longText = text != null && text.isString() && text.asString().length() > INLINE_CHARACTERS;
    } else {
      String query = first(question.query(), "query");
      longText = (query != null && query.length() > INLINE_CHARACTERS)
          || (question.path() != null && question.path().length() > INLINE_CHARACTERS);
    }
    if (!longText) {
      return false;
    }
    try {
      return RouteTable.normalize(question.path()).equals("/graphql");
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** The document of a {@code /graphql} question: the POST body, or for GET its parameters. */
  static GraphqlRequest read(Question question) {
    JsonNode body = question.body();
    String query;
    JsonNode variables;
    if (body != null && body.isObject()) {
      JsonNode text = body.get("query");
      if (text != null && !text.isNull() && !text.isString()) {
        return refused("query must be a string");
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
      return refused("it has no query (send the request's JSON body as body, or for GET its"
          + " query parameters as query)");
    }
    if (query.length() > MAX_CHARACTERS) {
      return refused("the query has " + query.length() + " characters; at most "
          + MAX_CHARACTERS + " are read");
    }
    Document document;
    try {
      document = new Parser().parseDocument(ParserEnvironment.newParserEnvironment()
          .document(query).parserOptions(OPTIONS).build());
    } catch (InvalidSyntaxException e) {
      return refused("the query does not parse: " + e.getMessage());
    }
    return new GraphqlRequest(document,
        variables != null && variables.isObject() ? variables : null, null);
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
}
