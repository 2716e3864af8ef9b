package io.opendatahub.mlflow.webhook.policy;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.ValueDeserializer;

/** Reads durations the way Kubernetes manifests write them: {@code 300s}, {@code 5m}, {@code 500ms}. */
public final class DurationText extends ValueDeserializer<Duration> {

  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

  @Override
  public Duration deserialize(JsonParser parser, DeserializationContext context) {
    String text = parser.getValueAsString();
    Duration duration = parse(text);
    if (duration == null) {
      throw context.weirdStringException(text, Duration.class,
          "not a duration; write e.g. 300s, 5m, 2h or 500ms");
    }
    return duration;
  }

  /** The duration, or null when the text is not one. */
  public static Duration parse(String text) {
    if (text == null) {
      return null;
    }
    Matcher matcher = DURATION.matcher(text.trim());
    if (!matcher.matches()) {
      return null;
    }
    long amount = Long.parseLong(matcher.group(1));
    return switch (matcher.group(2)) {
      case "ms" -> Duration.ofMillis(amount);
      case "s" -> Duration.ofSeconds(amount);
      case "m" -> Duration.ofMinutes(amount);
      default -> Duration.ofHours(amount);
    };
  }
}
