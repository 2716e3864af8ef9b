package io.opendatahub.mlflow.webhook.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ServeConfigTest {

  @Test
  void defaultsServeTheShippedPolicyWithDevCertificatesOn8443() throws Exception {
    ServeConfig config = ServeConfig.parse(List.of(), Map.of());

    assertThat(config.port()).isEqualTo(8443);
    assertThat(config.tlsCert()).isEqualTo(Path.of("certs/tls.crt"));
    assertThat(config.tlsKey()).isEqualTo(Path.of("certs/tls.key"));
    assertThat(config.policy()).isEqualTo(Path.of("policies"));
    assertThat(config.kube()).isEqualTo(ServeConfig.KubeMode.AUTO);
    assertThat(config.requestDeadline()).isEqualTo(java.time.Duration.ofSeconds(10));
  }

  @Test
  void theRequestDeadlineComesFromItsFlagOrVariable() throws Exception {
    assertThat(ServeConfig.parse(List.of("--request-deadline", "1500ms"), Map.of())
        .requestDeadline()).isEqualTo(java.time.Duration.ofMillis(1500));
    assertThat(ServeConfig.parse(List.of(), Map.of("WEBHOOK_REQUEST_DEADLINE", "5s"))
        .requestDeadline()).isEqualTo(java.time.Duration.ofSeconds(5));
  }

  @Test
  void theAuditIntervalDefaultsToTenMinutesAndRefusesLessThanTenSeconds() throws Exception {
    assertThat(ServeConfig.parse(List.of(), Map.of()).auditInterval())
        .isEqualTo(java.time.Duration.ofMinutes(10));
    assertThat(ServeConfig.parse(List.of(), Map.of("WEBHOOK_AUDIT_INTERVAL", "30s"))
        .auditInterval()).isEqualTo(java.time.Duration.ofSeconds(30));
    assertThatThrownBy(() -> ServeConfig.parse(List.of("--audit-interval", "1s"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("--audit-interval / WEBHOOK_AUDIT_INTERVAL: '1s'");
  }

  @Test
  void flagsWinOverEnvironmentVariablesWhichWinOverDefaults() throws Exception {
    ServeConfig config = ServeConfig.parse(List.of("--port", "9443", "--kube=none"),
        Map.of("WEBHOOK_PORT", "7443", "WEBHOOK_POLICY", "/etc/policy", "WEBHOOK_KUBE", "auto"));

    assertThat(config.port()).isEqualTo(9443);
    assertThat(config.kube()).isEqualTo(ServeConfig.KubeMode.NONE);
    assertThat(config.policy()).isEqualTo(Path.of("/etc/policy"));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "--port|https|--port / WEBHOOK_PORT: 'https' is not a port number",
    "--port|70000|--port / WEBHOOK_PORT: '70000' is not a port number",
    "--kube|sometimes|--kube / WEBHOOK_KUBE: 'sometimes' is not one of auto, none",
    "--max-body-bytes|12|--max-body-bytes / WEBHOOK_MAX_BODY_BYTES: '12' is not a byte count",
    "--request-deadline|soon|--request-deadline / WEBHOOK_REQUEST_DEADLINE: 'soon' is not a"
        + " positive duration",
    "--request-deadline|0s|--request-deadline / WEBHOOK_REQUEST_DEADLINE: '0s' is not a"
        + " positive duration",
    "--colour|blue|unknown option '--colour'",
  })
  void aWrongSettingIsNamedWithTheReason(String flag, String value, String message) {
    assertThatThrownBy(() -> ServeConfig.parse(List.of(flag, value), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(message);
  }

  @Test
  void aWrongEnvironmentVariableIsNamedToo() {
    assertThatThrownBy(() -> ServeConfig.parse(List.of(), Map.of("WEBHOOK_PORT", "eighty")))
        .hasMessageStartingWith("--port / WEBHOOK_PORT: 'eighty'");
  }

  @Test
  void aFlagWithoutValueIsAnError() {
    assertThatThrownBy(() -> ServeConfig.parse(List.of("--policy"), Map.of()))
        .hasMessage("--policy / WEBHOOK_POLICY: a value is required");
  }

  @Test
  void theAuthorizerPortIsOffUnlessSetAndThenNeedsACredential() throws Exception {
    assertThat(ServeConfig.parse(List.of(), Map.of()).authorizer()).isNull();

    ServeConfig config = ServeConfig.parse(List.of("--authorizer-port", "8444"),
        Map.of("WEBHOOK_AUTHORIZER_CLIENT_CA", "/etc/webhook/authorizer/ca.crt"));
    assertThat(config.authorizer()).isEqualTo(new ServeConfig.Authorizer(8444,
        java.nio.file.Path.of("/etc/webhook/authorizer/ca.crt"), null));

    assertThatThrownBy(() -> ServeConfig.parse(List.of("--authorizer-port", "8444"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("--authorizer-client-ca or --authorizer-token-file");
    assertThatThrownBy(() -> ServeConfig.parse(List.of("--authorizer-token-file", "/t"),
        Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("need --authorizer-port");
    assertThatThrownBy(() -> ServeConfig.parse(List.of("--authorizer-port", "http",
        "--authorizer-token-file", "/t"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("--authorizer-port / WEBHOOK_AUTHORIZER_PORT: 'http'");
  }
}
