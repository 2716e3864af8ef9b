package io.opendatahub.mlflow.webhook.server;

/**
 * Request data in text logs: one line each, so a value with line breaks cannot forge log lines
 * (a CR field, a user name and a denial message all come from the caller).
 */
final class LogText {

  private static final int MAX = 2000;

  private LogText() {}

  static String oneLine(String value) {
    if (value == null) {
      return null;
    }
    String line = value.replace("\r", "\\r").replace("\n", " | ");
    return line.length() > MAX ? line.substring(0, MAX) + "..." : line;
  }
}
