package io.opendatahub.mlflow.webhook.mlflow;

import io.opendatahub.mlflow.webhook.mlflow.MLflowSpec.EnvVariable;
import io.opendatahub.mlflow.webhook.policy.MLflowRule;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
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
  /** Where a URI starts inside a longer value. */
  private static final Pattern URI_START = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*://");
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
      Matcher start = URI_START.matcher(word);
      if (start.find()) {
        StoreUri uri = new StoreUri(word.substring(start.start()));
        if (uri.hasInlineCredentials()) {
          return uri;
        }
      }
    }
    return null;
  }

  private static String fix(EnvVariable variable) {
    return "Put the value in a Secret and set env[" + variable.index()
        + "].valueFrom.secretKeyRef instead of value.";
  }
}
