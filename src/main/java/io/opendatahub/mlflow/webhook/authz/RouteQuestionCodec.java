package io.opendatahub.mlflow.webhook.authz;

import io.opendatahub.mlflow.webhook.admission.JsonStreams;
import io.opendatahub.mlflow.webhook.admission.MalformedReviewException;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.Answer;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.CheckOutcome;
import io.opendatahub.mlflow.webhook.authz.RouteAuthorizer.Question;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;

/**
 * The JSON of {@code POST /authorize/mlflow}: one question {@code {workspace, method, path,
 * name, body, query, headers}} (all but method and path optional), or a batch
 * {@code {"checks": [...]}} answered as {@code {"results": [...]}} in order.
 */
public final class RouteQuestionCodec {

  public static final int MAX_BATCH = 1000;
  private static final int MAX_METHOD = 16;
  /** Longer than any route of the table with its parameters; a URL beyond it is not a request. */
  private static final int MAX_PATH = 8192;
  /**
   * No question without a body, at its limits (path, name, workspace, method) and with room for
   * whitespace, is larger: a larger request is a batch, or carries a request body, and is read
   * off the event loop.
   */
  public static final int MAX_QUESTION_BYTES = 16 * 1024;
  private static final String EXPECTED =
      "{\"workspace\", \"method\", \"path\"} or {\"checks\": [...]}";

  /** Decoded questions; {@code batch} says which form to answer in. */
  public record Decoded(boolean batch, List<Question> questions) {}

  private final JsonStreams streams = JsonStreams.withDefaultLimits();

  public Decoded decode(byte[] body) throws MalformedReviewException {
    if (body == null || body.length == 0) {
      throw new MalformedReviewException("the body is empty: send " + EXPECTED);
    }
    Fields root = new Fields();
    Checks checks = null;
    boolean object;
    // The mapper's parser: body, query and headers are read as trees.
    try (JsonParser parser = streams.mapper().createParser(body)) {
      JsonToken first = parser.nextToken();
      object = first == JsonToken.START_OBJECT;
      if (object) {
        String name;
        while ((name = parser.nextName()) != null) {
          parser.nextToken();
          if (name.equals("checks")) {
            checks = new Checks();
            checks.read(parser);
          } else {
            root.read(name, parser);
          }
        }
      } else if (first != null) {
        StreamedJson.skip(parser);
      }
      StreamedJson.end(parser);
    } catch (JacksonException e) {
      throw new MalformedReviewException("the body is not valid JSON");
    }
    if (!object) {
      throw new MalformedReviewException("the body must be a JSON object: " + EXPECTED);
    }
    if (checks == null) {
      return new Decoded(false, List.of(root.question("")));
    }
    return new Decoded(true, checks.questions());
  }

  /**
   * A {@code checks} member as it was read: whether it was a list, how many entries it had, the
   * questions of the first {@link #MAX_BATCH} and the first refusal among them, in order.
   */
  private static final class Checks {
    private boolean list;
    private int count;
    private final List<Question> questions = new ArrayList<>();
    private MalformedReviewException refused;

    /** The parser is at the member's value. */
    void read(JsonParser parser) {
      list = parser.currentToken() == JsonToken.START_ARRAY;
      if (!list) {
        StreamedJson.skip(parser);
        return;
      }
      JsonToken token;
      while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
        int index = count++;
        if (refused != null || count > MAX_BATCH) {
          // Only the count matters now: a batch too large is refused as such.
          StreamedJson.skip(parser);
        } else if (token != JsonToken.START_OBJECT) {
          StreamedJson.skip(parser);
          refused = new MalformedReviewException("checks[" + index + "] must be an object");
        } else {
          Fields fields = new Fields();
          String name;
          while ((name = parser.nextName()) != null) {
            parser.nextToken();
            fields.read(name, parser);
          }
          try {
            questions.add(fields.question("checks[" + index + "]."));
          } catch (MalformedReviewException e) {
            refused = e;
          }
        }
      }
    }

    List<Question> questions() throws MalformedReviewException {
      if (!list || count == 0) {
        throw new MalformedReviewException("checks must be a non-empty list of"
            + " {workspace, method, path[, name]}");
      }
      if (count > MAX_BATCH) {
        throw new MalformedReviewException("checks has " + count + " entries; at most "
            + MAX_BATCH + " per request");
      }
      if (refused != null) {
        throw refused;
      }
      return questions;
    }
  }

  private static final int METHOD = 0;
  private static final int PATH = 1;
  private static final int WORKSPACE = 2;
  private static final int NAME = 3;

  /**
   * The members of one question as they were read: its strings, and the parts the route table
   * may read names from ({@code body}, {@code query}, {@code headers}) as small trees, which only
   * the questions that carry them build.
   */
  private static final class Fields {
    private final StreamedJson.Strings strings = new StreamedJson.Strings(4);
    private JsonNode body;
    private JsonNode query;
    private JsonNode headers;

    /** The parser is at member {@code name}'s value. */
    void read(String name, JsonParser parser) {
      switch (name) {
        case "method" -> strings.read(METHOD, parser);
        case "path" -> strings.read(PATH, parser);
        case "workspace" -> strings.read(WORKSPACE, parser);
        case "name" -> strings.read(NAME, parser);
        case "body" -> body = parser.readValueAsTree();
        case "query" -> query = parser.readValueAsTree();
        case "headers" -> headers = parser.readValueAsTree();
        default -> StreamedJson.skip(parser);
      }
    }

    /** The checks (and messages) of the question, in the order they ran on a tree. */
    Question question(String where) throws MalformedReviewException {
      String method = required(METHOD, "method", where);
      String path = required(PATH, "path", where);
      String workspace = field(WORKSPACE, "workspace", where);
      String name = field(NAME, "name", where);
      // Checked here so that nothing Kubernetes could not hold reaches the cache or a log line.
      QuestionFields.namespace(workspace, at(where, "workspace"));
      QuestionFields.name(name, at(where, "name"));
      QuestionFields.word(method, at(where, "method"), true, MAX_METHOD);
      QuestionFields.text(path, at(where, "path"), MAX_PATH);
      return new Question(workspace, method, path, name,
          body == null || body.isNull() ? null : body,
          RequestParts.query(query, at(where, "query")),
          RequestParts.headers(headers, at(where, "headers")));
    }

    private String required(int index, String field, String where)
        throws MalformedReviewException {
      String value = field(index, field, where);
      if (value == null || value.isBlank()) {
        throw new MalformedReviewException(at(where, field) + " is required");
      }
      return value;
    }

    private String field(int index, String field, String where) throws MalformedReviewException {
      return strings.get(index, at(where, field));
    }

    /**
     * A field's name in messages: {@code where} (empty for a single question) before it. Joined
     * only for a batch's questions, since "" + field still makes a new string.
     */
    private static String at(String where, String field) {
      return where.isEmpty() ? field : where + field;
    }
  }

  /** One answer, written straight to a generator. */
  public byte[] encode(Answer answer) {
    return streams.write(generator -> write(generator, answer));
  }

  public byte[] encodeBatch(List<Answer> answers) {
    return streams.write(generator -> {
      generator.writeStartObject();
      generator.writeName("results");
      generator.writeStartArray();
      for (Answer answer : answers) {
        write(generator, answer);
      }
      generator.writeEndArray();
      generator.writeEndObject();
    });
  }

  private static void write(JsonGenerator generator, Answer answer) {
    generator.writeStartObject();
    if (answer.status() != 200) {
      generator.writeNumberProperty("status", answer.status());
      writeString(generator, "error", answer.error());
      generator.writeEndObject();
      return;
    }
    generator.writeBooleanProperty("allowed", answer.allowed());
    writeIfPresent(generator, "resource", answer.resource());
    writeIfPresent(generator, "verb", answer.verb());
    writeIfPresent(generator, "reason", answer.reason());
    if (answer.filtered()) {
      generator.writeBooleanProperty("filtered", true);
    }
    if (answer.workspaces() != null) {
      generator.writeName("workspaces");
      generator.writeStartArray();
      for (String workspace : answer.workspaces().workspaces()) {
        generator.writeString(workspace);
      }
      generator.writeEndArray();
      if (answer.workspaces().undecided() > 0) {
        generator.writeNumberProperty("undecided", answer.workspaces().undecided());
      }
    }
    if (!answer.checks().isEmpty()) {
      generator.writeName("checks");
      generator.writeStartArray();
      for (CheckOutcome outcome : answer.checks()) {
        generator.writeStartObject();
        writeString(generator, "resource", outcome.resource());
        writeString(generator, "verb", outcome.verb());
        writeIfPresent(generator, "name", outcome.name());
        generator.writeBooleanProperty("allowed", outcome.allowed());
        writeIfPresent(generator, "reason", outcome.reason());
        writeIfPresent(generator, "evaluationError", outcome.evaluationError());
        generator.writeEndObject();
      }
      generator.writeEndArray();
    }
    generator.writeEndObject();
  }

  /** A string member; a null value is written as JSON null, as a tree's put wrote it. */
  private static void writeString(JsonGenerator generator, String field, String value) {
    generator.writeName(field);
    if (value == null) {
      generator.writeNull();
    } else {
      generator.writeString(value);
    }
  }

  private static void writeIfPresent(JsonGenerator generator, String field, String value) {
    if (value != null) {
      generator.writeStringProperty(field, value);
    }
  }
}
