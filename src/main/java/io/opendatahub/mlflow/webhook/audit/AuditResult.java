package io.opendatahub.mlflow.webhook.audit;

import java.util.Locale;

/**
 * One rule's verdict on one existing object, in the vocabulary of policy reports.
 *
 * @param rule the rule id admission uses (metrics, audit annotations), or {@link Auditor#PASS_RULE}
 * @param message what is wrong and how to fix it, as admission words it (never a secret)
 */
public record AuditResult(String rule, Status result, Severity severity, String message) {

  /** Policy-report result values this audit produces. */
  public enum Status {
    /** Admission would admit a CREATE of the object without any finding. */
    PASS,
    /** A {@code deny} finding: admission would reject a CREATE of the object. */
    FAIL,
    /** A {@code warn} or {@code audit} finding: reported, not enforced. */
    WARN;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The status named {@code text} (pass, fail, warn), or null. */
    public static Status parse(String text) {
      for (Status status : values()) {
        if (status.wireName().equals(text)) {
          return status;
        }
      }
      return null;
    }
  }

  /** Policy-report severities, from the rule's action. */
  public enum Severity {
    HIGH,
    MEDIUM,
    LOW,
    INFO;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }
}
