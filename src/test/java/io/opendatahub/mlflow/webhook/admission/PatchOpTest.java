package io.opendatahub.mlflow.webhook.admission;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.zjsonpatch.JsonPatch;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JsonPointer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;

/** The JSON Patch operations defaulters answer with, as the API server reads them. */
class PatchOpTest {

  private static final JsonPointer ANNOTATIONS = JsonPointer.compile("/metadata/annotations");

  @Test
  void aKeyWithSlashesAndTildesIsEscapedSoTheOperationReachesThatKeyAndNoOther() {
    JsonNode object = Fixtures.JSON.readTree(
        "{\"metadata\":{\"annotations\":{\"example.com\":{\"a~b\":\"nested\"}}}}");
    JsonPointer path = ANNOTATIONS.appendProperty("example.com/a~b");

    ArrayNode patch = PatchOp.document(List.of(PatchOp.set(object.at(ANNOTATIONS), path,
        Fixtures.JSON.getNodeFactory().stringNode("set"))));

    assertThat(Fixtures.JSON.writeValueAsString(patch)).isEqualTo(
        "[{\"op\":\"add\",\"path\":\"/metadata/annotations/example.com~1a~0b\",\"value\":\"set\"}]");
    assertThat(JsonPatch.apply(patch, object)).isEqualTo(Fixtures.JSON.readTree(
        "{\"metadata\":{\"annotations\":{\"example.com\":{\"a~b\":\"nested\"},"
            + "\"example.com/a~b\":\"set\"}}}"));
  }

  @Test
  void aMemberThatIsThereEvenAsNullIsReplacedOneThatIsNotIsAdded() {
    JsonNode parent = Fixtures.JSON.readTree("{\"empty\":\"\",\"none\":null}");
    JsonNode value = Fixtures.JSON.getNodeFactory().stringNode("team-a");

    assertThat(List.of("empty", "none", "missing"))
        .extracting(name -> PatchOp.set(parent, JsonPointer.empty().appendProperty(name), value)
            .op())
        .containsExactly(PatchOp.Op.REPLACE, PatchOp.Op.REPLACE, PatchOp.Op.ADD);
  }

  @Test
  void theDocumentListsTheOperationsInTheirOrder() {
    JsonNode modes = Fixtures.JSON.readTree("[\"ReadWriteOnce\"]");
    List<PatchOp> ops = List.of(
        PatchOp.set(Fixtures.JSON.readTree("{\"accessModes\":null}"),
            JsonPointer.compile("/spec/storage/accessModes"), modes),
        PatchOp.insert(JsonPointer.compile("/subjects/2"), Fixtures.JSON.readTree("{}")));

    assertThat(PatchOp.document(ops).toString()).isEqualTo(
        "[{\"op\":\"replace\",\"path\":\"/spec/storage/accessModes\",\"value\":[\"ReadWriteOnce\"]},"
            + "{\"op\":\"add\",\"path\":\"/subjects/2\",\"value\":{}}]");
  }
}
