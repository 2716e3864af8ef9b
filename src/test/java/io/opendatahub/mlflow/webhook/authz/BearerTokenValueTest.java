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

  /** The digest is reused per thread: each hash is still the SHA-256 of its token alone. */
  @Test
  void eachHashIsTheSha256OfItsTokenAlone() throws Exception {
    String abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    assertThat(Tokens.sha256("a-much-longer-token-first-".repeat(10))).hasSize(64);
    assertThat(Tokens.sha256("abc")).isEqualTo(abc);
    String[] onAnotherThread = new String[1];
    Thread other = new Thread(() -> onAnotherThread[0] = Tokens.sha256("abc"));
    other.start();
    other.join(10_000);
    assertThat(onAnotherThread[0]).isEqualTo(abc);
  }

  @ParameterizedTest
  @NullSource
  @ValueSource(strings = {"", "   "})
  void noTokenIsMissing(String token) {
    assertThat(BearerToken.of(token).missing()).isTrue();
  }
}
