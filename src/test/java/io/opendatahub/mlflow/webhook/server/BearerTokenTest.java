package io.opendatahub.mlflow.webhook.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The headers the MLflow plugin accepts, read the same way. */
class BearerTokenTest {

  @ParameterizedTest
  @CsvSource(nullValues = "null", value = {
    "Bearer abc, null, abc",
    "bearer   abc , null, abc",
    "BEARER abc, other, abc",
    "null, abc, abc",
    "null, Bearer abc, abc",
    "null, null, null",
    "null, '  ', null",
  })
  void readsTheTokenFromEitherHeader(String authorization, String forwarded, String token)
      throws Exception {
    assertThat(AuthorizeEndpoint.bearerToken(authorization, forwarded)).isEqualTo(token);
  }

  @ParameterizedTest
  @CsvSource({"Basic dXNlcjpwYXNz", "Bearer", "abc"})
  void refusesAnAuthorizationHeaderThatIsNotABearerToken(String authorization) {
    assertThatThrownBy(() -> AuthorizeEndpoint.bearerToken(authorization, null))
        .hasMessage("the Authorization header must be in the format 'Bearer <token>'");
  }
}
