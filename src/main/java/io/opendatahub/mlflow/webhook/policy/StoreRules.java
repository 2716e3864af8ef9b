package io.opendatahub.mlflow.webhook.policy;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Locale;

/**
 * Which URI schemes an environment accepts for a kind of location. Schemes are families:
 * {@code postgresql} also admits {@code postgresql+psycopg2}, {@code sqlite} admits
 * {@code sqlite+pysqlite}. An empty list accepts every scheme.
 *
 * @param inlineCredentials action for a password written into the URI; null: the environment's
 */
public record StoreRules(
    @JsonProperty("schemes") List<String> schemes,
    @JsonProperty("inlineCredentials") Action inlineCredentials) {

  public StoreRules {
    schemes = schemes == null
        ? List.of() : schemes.stream().map(s -> s.toLowerCase(Locale.ROOT)).toList();
  }

  /** No restriction. */
  public static final StoreRules ANY = new StoreRules(null, null);

  public boolean allows(String schemeFamily) {
    return schemes.isEmpty() || schemes.contains(schemeFamily);
  }
}
