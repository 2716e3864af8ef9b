package io.opendatahub.mlflow.webhook.authz;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class BearerTokenValueTest {

  @Test
  void printsTheHashNeverTheToken() {
    BearerToken token = BearerToken.of("s3cr3t-token");

    assertThat(token.toString()).doesNotContain("s3cr3t").startsWith("BearerToken[sha256:");
    assertThat(token.sha256()).isEqualTo(Tokens.sha256("s3cr3t-token"));
  }

  @ParameterizedTest
  @NullSource
  @ValueSource(strings = {"", "   "})
  void noTokenIsMissing(String token) {
    assertThat(BearerToken.of(token).missing()).isTrue();
  }
}
