package io.opendatahub.mlflow.webhook.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The authorizer port refuses to start with a credential that would protect nothing. */
class AuthorizerCallersTest {

  @TempDir Path dir;

  @Test
  void aShortOrSpacedTokenStopsStartUpWithoutShowingIt() throws IOException {
    for (String token : new String[] {"short-token", "a token with spaces that is long enough"}) {
      Path file = Files.writeString(dir.resolve("token"), token);
      assertThatThrownBy(() -> AuthorizerCallers.of(false, file))
          .hasMessageContaining("--authorizer-token-file")
          .hasMessageNotContaining(token);
    }
  }

  @Test
  void noCredentialAtAllStopsStartUp() {
    assertThatThrownBy(() -> AuthorizerCallers.of(false, null))
        .hasMessageContaining("--authorizer-client-ca or --authorizer-token-file");
    assertThatThrownBy(() -> AuthorizerCallers.of(false, dir.resolve("missing")))
        .hasMessageContaining("is not a readable file");
  }

  @Test
  void aTokenFileWithATrailingNewlineIsRead() throws IOException {
    Path file = Files.writeString(dir.resolve("token"), "0123456789abcdef0123456789abcdef\n");
    assertThat(AuthorizerCallers.of(false, file)).isNotNull();
  }
}
