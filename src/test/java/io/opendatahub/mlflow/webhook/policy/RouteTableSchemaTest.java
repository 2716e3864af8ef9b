package io.opendatahub.mlflow.webhook.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.networknt.schema.Schema;
import io.opendatahub.mlflow.webhook.testing.Schemas;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** The route table's JSON Schema, the shipped table and the loader agree. */
class RouteTableSchemaTest {

  private static final Schema SCHEMA = Schemas.file(Path.of("policies/route-table.schema.json"));
  private static final YAMLMapper YAML = YAMLMapper.builder().build();

  @TempDir Path dir;

  @Test
  void theShippedTableMatchesTheSchema() throws Exception {
    assertThat(Schemas.errors(SCHEMA, YAML.readTree(Path.of("policies/mlflow-routes.yaml")
        .toFile()))).isEmpty();
  }

  /**
   * Each entry is wrong in one way; the loader says so by line, and the schema too where JSON
   * Schema can say it ({@code inSchema}: not for a path parameter that is missing or a
   * {@code when} whose only source is the question's name).
   */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "{method: POST, path: /x, requires: [{check: experiments:update, name: 'body:a..b'}]}|not a name source|true",
    "{method: POST, path: /x, requires: [{check: experiments:update, name: 'cookie:a'}]}|not a name source|true",
    "{method: POST, path: /x, requires: [{check: experiments:update, name: 'path:id'}]}|has no parameter <id>|false",
    "{method: POST, path: /x, requires: [{check: experiments:update, when: referenced}]}|needs a name source|true",
    "{method: POST, path: /x, requires: [{check: experiments:update, name: name, when: referenced}]}|needs a name source|false",
    "{method: POST, path: /x, requires: [{check: experiments:update, when: always, name: 'body:a'}]}|when must be 'referenced'|true",
    "{method: POST, path: /x, requires: [{check: experiments:update, names: 'body:a'}]}|unknown field 'names'|true",
    "{method: POST, path: /x, requires: [{name: 'body:a'}]}|needs check|true",
  })
  void badChecksAreRefusedByTheSchemaAndTheLoader(String entry, String problem,
      boolean inSchema) throws Exception {
    String table = """
        apiVersion: policy.mlflow-webhook.io/v1alpha1
        kind: MLflowRouteTable
        spec:
          routes:
            - %s
        """.formatted(entry);
    Files.writeString(dir.resolve("policy.yaml"),
        Files.readString(TestPolicies.SHIPPED.resolve("policy.yaml")));
    Files.writeString(dir.resolve("routes.yaml"), table);

    assertThat(Schemas.errors(SCHEMA, YAML.readTree(table)).isEmpty()).isEqualTo(!inSchema);
    assertThatThrownBy(() -> new PolicyLoader().load(dir)).isInstanceOf(PolicyException.class)
        .hasMessageContaining("routes.yaml:5: field spec.routes[0]")
        .hasMessageContaining(problem);
  }
}
