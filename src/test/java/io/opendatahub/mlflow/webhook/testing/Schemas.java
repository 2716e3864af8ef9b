package io.opendatahub.mlflow.webhook.testing;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** JSON Schema validation (draft 2020-12) for test fixtures and shipped schemas. */
public final class Schemas {

  private Schemas() {}

  public static Schema resource(String name) {
    try (InputStream in = Schemas.class.getResourceAsStream("/" + name)) {
      return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Schema file(Path path) {
    try (InputStream in = Files.newInputStream(path)) {
      return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static List<String> errors(Schema schema, JsonNode document) {
    return schema.validate(document).stream().map(Error::toString).toList();
  }
}
