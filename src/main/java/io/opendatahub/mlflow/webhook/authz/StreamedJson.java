package io.opendatahub.mlflow.webhook.authz;

import io.opendatahub.mlflow.webhook.admission.MalformedReviewException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.exc.StreamReadException;

/**
 * Reading a request body in one pass of the parser, without building a tree of it: the
 * questions' codecs take the few members they read and skip the rest. A body is read to its end
 * before any member is checked, so malformed JSON anywhere is refused as such, as a tree parse
 * refused it, and the members' checks then run in the order they always ran.
 */
final class StreamedJson {

  private StreamedJson() {}

  /**
   * Skips the value at the parser's current token. Its strings are read to their end as a tree
   * parse reads them (a skipped string is otherwise not decoded, and bytes that are not UTF-8
   * in it would pass); numbers are checked as they are tokenized, so they need no more.
   */
  static void skip(JsonParser parser) {
    int depth = 0;
    JsonToken token = parser.currentToken();
    while (true) {
      if (token == null) {
        throw new StreamReadException(parser, "unexpected end of input");
      }
      switch (token) {
        case START_OBJECT, START_ARRAY -> depth++;
        case END_OBJECT, END_ARRAY -> depth--;
        case VALUE_STRING -> parser.getStringLength();
        default -> { }
      }
      if (depth == 0) {
        return;
      }
      token = parser.nextToken();
    }
  }

  /** After the root value: anything but the end of input is malformed, as for a tree parse. */
  static void end(JsonParser parser) {
    if (parser.nextToken() != null) {
      throw new StreamReadException(parser, "trailing content after the root value");
    }
  }

  /**
   * The string members of one object, read as they come: each absent or null (null), a string,
   * or noted as of another type, so that the check reading it refuses it in its turn.
   */
  static final class Strings {

    private final String[] values;
    private long wrongTypes;

    Strings(int count) {
      values = new String[count];
    }

    /** Reads member {@code index} from the parser's current (value) token. */
    void read(int index, JsonParser parser) {
      JsonToken token = parser.currentToken();
      if (token == JsonToken.VALUE_STRING) {
        values[index] = parser.getString();
      } else {
        if (token != JsonToken.VALUE_NULL) {
          wrongTypes |= 1L << index;
        }
        skip(parser);
      }
    }

    /** The member's string, null when absent or null; {@code field} names it in the refusal. */
    String get(int index, String field) throws MalformedReviewException {
      if ((wrongTypes & (1L << index)) != 0) {
        throw new MalformedReviewException(field + " must be a string");
      }
      return values[index];
    }
  }
}
