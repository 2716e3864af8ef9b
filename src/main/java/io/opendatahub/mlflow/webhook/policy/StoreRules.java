package io.opendatahub.mlflow.webhook.policy;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Locale;

/**
 * Which URI schemes an environment accepts for MLflow's metadata stores. Schemes are families:
 * {@code postgresql} also admits {@code postgresql+psycopg2}, {@code sqlite} admits
 * {@code sqlite+pysqlite}.
 */
public record StoreRules(
    @JsonProperty("schemes") List<String> schemes, @JsonProperty("action") Action action) {

  public StoreRules {
    schemes =
        schemes == null
            ? List.of()
            : schemes.stream().map(s -> s.toLowerCase(Locale.ROOT)).toList();
    action = action == null ? Action.DENY : action;
  }

  /** A store that accepts any scheme (an environment with no rule for it). */
  public static final StoreRules ANY = new StoreRules(null, Action.DENY);

  /** An empty list means no restriction. */
  public boolean allows(String schemeFamily) {
    return schemes.isEmpty() || schemes.contains(schemeFamily);
  }
}
