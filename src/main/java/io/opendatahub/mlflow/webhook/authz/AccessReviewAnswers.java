package io.opendatahub.mlflow.webhook.authz;

import io.opendatahub.mlflow.webhook.admission.JsonStreams;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;

/**
 * Writes an access review's answer: the review as it was sent, with its {@code status} set from
 * the decision, without building a tree of it (the answer is on every {@code /authorize}).
 */
final class AccessReviewAnswers {

  private final JsonStreams streams;

  AccessReviewAnswers(JsonStreams streams) {
    this.streams = streams;
  }

  /**
   * The review as sent, with {@code status} set from the decision, as writing its tree wrote it
   * but without a tree: a body already written as Jackson writes it (see {@link #asWritten}) is
   * copied with the status appended; any other is read again and its tokens written straight
   * out, a {@code status} it carried replaced where it stood.
   */
  byte[] write(byte[] body, AccessDecision decision) {
    if (asWritten(body)) {
      byte[] status = streams.write(generator -> {
        generator.writeStartObject();
        writeStatus(generator, decision);
        generator.writeEndObject();
      });
      // The body without its '}', a comma if it has members, {"status":{...}} without its '{'.
      int comma = body.length > 2 ? 1 : 0;
      byte[] answer = new byte[body.length - 1 + comma + status.length - 1];
      System.arraycopy(body, 0, answer, 0, body.length - 1);
      if (comma == 1) {
        answer[body.length - 1] = ',';
      }
      System.arraycopy(status, 1, answer, body.length - 1 + comma, status.length - 1);
      return answer;
    }
    try (JsonParser parser = streams.parser(body)) {
      return streams.write(generator -> {
        parser.nextToken();
        generator.writeStartObject();
        boolean statusWritten = false;
        String name;
        while ((name = parser.nextName()) != null) {
          parser.nextToken();
          if (name.equals("status")) {
            writeStatus(generator, decision);
            parser.skipChildren();
            statusWritten = true;
          } else {
            generator.writeName(name);
            generator.copyCurrentStructure(parser);
          }
        }
        if (!statusWritten) {
          writeStatus(generator, decision);
        }
        generator.writeEndObject();
      });
    }
  }

  private static final byte[] STATUS = "\"status\"".getBytes(StandardCharsets.US_ASCII);

  /**
   * Whether a (decoded, so valid) body is byte for byte what the generator writes for it, so
   * that it can be echoed as it is: it is the root object alone, with no whitespace outside
   * strings, no escape (without escapes a string ends at the next quote, which is what makes
   * one pass over the bytes exact), only ASCII (the parser reads some malformed UTF-8, such as
   * overlong forms, and the generator writes it corrected), no number (the generator rewrites
   * {@code 1e2}, {@code 1.50}, {@code -0}) and no {@code status} member of its own. Compact JSON of strings, literals and
   * nesting, which is what Kubernetes clients send, is.
   */
  static boolean asWritten(byte[] body) {
    int last = body.length - 1;
    if (last < 1 || body[0] != '{' || body[last] != '}') {
      return false;
    }
    int depth = 0;
    int stringStart = -1;
    for (int i = 0; i <= last; i++) {
      byte b = body[i];
      if (stringStart >= 0) {
        if (b == '\\' || b < 0) {
          return false;
        }
        if (b == '"') {
          if (depth == 1 && i + 1 <= last && body[i + 1] == ':'
              && i + 1 - stringStart == STATUS.length
              && Arrays.equals(body, stringStart, i + 1, STATUS, 0, STATUS.length)) {
            return false;
          }
          stringStart = -1;
        }
        continue;
      }
      switch (b) {
        case '"' -> stringStart = i;
        case '{', '[' -> depth++;
        case '}', ']' -> depth--;
        case ':', ',', 't', 'r', 'u', 'e', 'f', 'a', 'l', 's', 'n' -> { }
        default -> {
          // Whitespace, a number, or the end of the root before the last byte.
          return false;
        }
      }
      if (depth == 0 && i != last) {
        return false;
      }
    }
    return true;
  }

  /** {@code status} as SubjectAccessReviewStatus spells it; unset fields are left out. */
  static void writeStatus(JsonGenerator generator, AccessDecision decision) {
    generator.writeName("status");
    generator.writeStartObject();
    generator.writeBooleanProperty("allowed", decision.allowed());
    if (decision.denied()) {
      generator.writeBooleanProperty("denied", true);
    }
    if (decision.reason() != null) {
      generator.writeStringProperty("reason", decision.reason());
    }
    if (decision.evaluationError() != null) {
      generator.writeStringProperty("evaluationError", decision.evaluationError());
    }
    generator.writeEndObject();
  }
}
