package io.opendatahub.mlflow.webhook.mlflow;

import io.opendatahub.mlflow.webhook.mlflow.MLflowSpec.EnvVariable;
import io.opendatahub.mlflow.webhook.policy.MLflowRule;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Credentials written as literal {@code env[].value}s: a URI with a password or a secret query
 * parameter, or a variable whose name says it holds a secret ({@link #SECRET_WORDS}). The
 * operator copies {@code env} into its Deployment, so the value is as readable as the CR. Values
 * from {@code valueFrom} are fine; messages never repeat a value, only a redacted URI.
 */
final class EnvCredentialRules {

  /**
   * A variable holds a secret when its upper-cased name is one of these words or ends in
   * {@code _WORD} ({@code AWS_SECRET_ACCESS_KEY}, {@code MLFLOW_TRACKING_TOKEN}, {@code
   * AZURE_CLIENT_SECRET}, {@code OPENAI_API_KEY}...). {@code PWD} alone is the working directory.
   */
  static final List<String> SECRET_WORDS = List.of("PASSWORD", "PASSWD", "TOKEN", "SECRET",
      "SECRET_KEY", "ACCESS_KEY", "API_KEY", "APIKEY", "PRIVATE_KEY", "CONNECTION_STRING");
  /** Suffixes that mark a secret even without an underscore before them: {@code PGPASSWORD}. */
  private static final List<String> SECRET_SUFFIXES = List.of("PASSWORD", "PASSWD", "_PWD");
  /** {@code $(OTHER_VAR)}: Kubernetes substitutes another variable; no secret is written. */
  private static final Pattern VARIABLE_REFERENCE = Pattern.compile("\\$\\([A-Za-z_][\\w.-]*\\)");

  private EnvCredentialRules() {}

  static void check(MLflowSpec spec, RuleFindings findings) {
    for (EnvVariable variable : spec.env()) {
      String value = variable.value();
      if (value == null || value.isBlank()) {
        continue;
      }
      StoreUri uri = uriWithCredentials(value);
      if (uri != null) {
        findings.add(MLflowRule.INLINE_CREDENTIALS, variable.path("value"), variable.name()
            + " holds a URI with " + CredentialRules.what(uri) + " ('" + uri.redacted()
            + "'), visible to anyone who can read the MLflow CR. " + fix(variable));
      } else if (namesASecret(variable.name()) && !VARIABLE_REFERENCE.matcher(value).matches()) {
        findings.add(MLflowRule.INLINE_CREDENTIALS, variable.path("value"), variable.name()
            + " is named like a credential and has a literal value, visible to anyone who can"
            + " read the MLflow CR. " + fix(variable));
      }
    }
  }

  static boolean namesASecret(String name) {
    String upper = name.toUpperCase(Locale.ROOT);
    return SECRET_SUFFIXES.stream().anyMatch(upper::endsWith)
        || SECRET_WORDS.stream().anyMatch(word -> upper.equals(word) || upper.endsWith("_" + word));
  }

  /** The first URI in {@code value} (whole or among words) that carries a credential, or null. */
  private static StoreUri uriWithCredentials(String value) {
    for (String word : value.trim().split("\\s+")) {
      int start = schemeStart(word);
      if (start >= 0) {
        StoreUri uri = new StoreUri(word.substring(start));
        if (uri.hasInlineCredentials()) {
          return uri;
        }
      }
    }
    return null;
  }

  /**
   * Where the scheme before the first "://" starts, or -1. Scanned by hand: a regex search for
   * a scheme would retry from every letter of a long word, quadratic in a value of any size.
   */
  private static int schemeStart(String word) {
    int separator = word.indexOf("://");
    int start = separator;
    while (start > 0 && isSchemeChar(word.charAt(start - 1))) {
      start--;
    }
    while (start < separator && !Character.isLetter(word.charAt(start))) {
      start++;
    }
    return separator > 0 && start < separator ? start : -1;
  }

  private static boolean isSchemeChar(char c) {
    return c < 128 && (Character.isLetterOrDigit(c) || c == '+' || c == '.' || c == '-');
  }

  private static String fix(EnvVariable variable) {
    return "Put the value in a Secret and set env[" + variable.index()
        + "].valueFrom.secretKeyRef instead of value.";
  }
}
