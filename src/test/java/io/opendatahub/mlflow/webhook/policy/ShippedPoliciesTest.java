package io.opendatahub.mlflow.webhook.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.networknt.schema.Schema;
import io.opendatahub.mlflow.webhook.testing.Schemas;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** The shipped policy, the examples and the JSON Schema editors use must agree with the loader. */
class ShippedPoliciesTest {

  private static final Schema SCHEMA = Schemas.file(Path.of("policies/policy.schema.json"));
  private static final YAMLMapper YAML = YAMLMapper.builder().build();

  @TempDir Path dir;

  static Stream<Path> policies() {
    return Stream.of(Path.of("policies/policy.yaml"),
        Path.of("policies/examples/strict-production.yaml"),
        Path.of("policies/examples/permissive-development.yaml"),
        Path.of("policies/examples/local-authority/policy.yaml"),
        Path.of("policies/examples/ai-gateway-by-namespace.yaml"));
  }

  @ParameterizedTest
  @MethodSource("policies")
  void loadsAndMatchesTheSchema(Path file) throws Exception {
    Policy policy = new PolicyLoader().load(file);

    assertThat(policy.environments()).isNotEmpty();
    assertThat(Schemas.errors(SCHEMA, YAML.readTree(file.toFile()))).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "backendStore: {schemes: [postgresql, mysql], inlineCredentials: deny}|backendStor: {}",
    "action: deny|action: reject",
    "namespaceRelabel: warn|namespaceRelabel: refuse",
    "minSize: 10Gi|minSize: lots",
    "[team-prod]|team-prod",
    "namespaceSelector: {matchLabels: {opendatahub.io/dashboard: \"true\"}}|namespaces: []",
    "annotation: mlflow.opendatahub.io/integration=true|names: []",
    "authority: kubernetes|authority: kubernetes\n    workspaces: {enabled: false}",
    "authority: kubernetes|authority: kubernetes\n    workspaces: {namespace: team-a}",
  })
  void theSchemaRejectsWhatTheLoaderRejects(String edit) throws Exception {
    String[] parts = edit.split("\\|");
    String text = Files.readString(Path.of("policies/policy.yaml"))
        .replaceFirst(Pattern.quote(parts[0]), parts[1]);
    JsonNode document = YAML.readTree(text);
    Path file = Files.writeString(dir.resolve("policy.yaml"), text);

    assertThat(Schemas.errors(SCHEMA, document)).isNotEmpty();
    assertThatThrownBy(() -> new PolicyLoader().load(file)).isInstanceOf(PolicyException.class);
  }

  /** #13: auto-binding follows an annotation anyone may set, so it needs a namespace scope. */
  @ParameterizedTest
  @ValueSource(strings = {"namespaces: []", "# no scope"})
  void autoBindingWithoutANamespaceScopeIsRefusedNamingTheField(String scope) throws Exception {
    String text = Files.readString(Path.of("policies/policy.yaml")).replaceFirst(Pattern.quote(
        "namespaceSelector: {matchLabels: {opendatahub.io/dashboard: \"true\"}}"), scope);
    Path file = Files.writeString(dir.resolve("policy.yaml"), text);

    assertThat(Schemas.errors(SCHEMA, YAML.readTree(text))).isNotEmpty();
    assertThatThrownBy(() -> new PolicyLoader().load(file))
        .hasMessageContaining("field spec.serviceAccountBinding.select.namespaces: auto-binding"
            + " needs a namespace scope: list select.namespaces or set select.namespaceSelector");
  }
}
