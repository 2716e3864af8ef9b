package io.opendatahub.mlflow.webhook.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.admission.AdmissionRequest;
import io.opendatahub.mlflow.webhook.admission.AdmissionResponse;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.admission.Operation;
import io.opendatahub.mlflow.webhook.admission.StaticNamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.policy.StorageDefaults;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.PatchDifferential;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The storage defaulter's patch against the one the service answered before (a diff of the CR
 * and a deep copy the old defaulter filled in, kept below as the reference), for every MLflow
 * fixture and upstream sample, and for generated CRs with every state of each defaulted field
 * (missing, null, empty, set; {@code resources} and {@code accessModes} in either order), keys
 * that need escaping beside them, and a value equal to a default elsewhere in the CR, under
 * policies with every subset of the defaults. Both patches must apply to the CR as sent and give
 * the same CR, and be the same bytes wherever the diff only added and replaced.
 */
class StoragePatchDifferentialTest {

  /** The shipped policy's defaults line, replaced by each case's defaults. */
  private static final String SHIPPED_DEFAULTS =
      "      storage: {size: 10Gi, accessModes: [ReadWriteOnce]}";

  private final AdmissionService service = new AdmissionService(List.of(new MLflowAdmission()));

  @ParameterizedTest
  @ValueSource(strings = {
    "{size: 10Gi, accessModes: [ReadWriteOnce]}",
    "{size: 20Gi, accessModes: [ReadWriteOnce], storageClassName: gp3-csi}",
    "{size: 5Gi, accessModes: [ReadWriteOnce, ReadOnlyMany]}",
    "{size: 1Gi}",
    "{accessModes: [ReadWriteMany], storageClassName: fast}",
    "{storageClassName: fast}",
    "{}",
  })
  void everyPatchGivesTheCrTheOldDiffGave(String defaults, @TempDir Path dir) {
    Policy policy = TestPolicies.shippedWith(dir, SHIPPED_DEFAULTS, "      storage: " + defaults);
    DecisionContext context = new DecisionContext(policy, StaticNamespaceFacts.fromPolicy(policy));
    StorageDefaults storage = policy.mlflow().defaults().storage();

    Map<String, ObjectNode> crs = new LinkedHashMap<>(fixtures());
    crs.putAll(generated(storage));
    List<String> problems = new ArrayList<>();
    Map<String, Integer> outcomes = new TreeMap<>();
    for (Map.Entry<String, ObjectNode> cr : crs.entrySet()) {
      ObjectNode object = cr.getValue();
      ObjectNode sent = object.deepCopy();
      AdmissionRequest request = Fixtures.mlflowReview(object).request();
      AdmissionResponse answer = service.mutate(request, context);

      PatchDifferential.Outcome outcome =
          PatchDifferential.compare(sent, DeepCopyReference.mutate(request, storage), answer);
      outcome.problems().forEach(problem -> problems.add(cr.getKey() + ": " + problem));
      if (!object.equals(sent)) {
        problems.add(cr.getKey() + ": the request's object was modified");
      }
      String kind = !answer.hasPatch() ? "no patch"
          : outcome.sameOperations() ? "same operations" : "diff used " + outcome.diffOps();
      outcomes.merge(kind, 1, Integer::sum);
    }

    assertThat(problems).as("cases by outcome: %s", outcomes).isEmpty();
    assertThat(crs).hasSizeGreaterThan(800);
    assertThat(outcomes).as("what the cases covered").containsKey("no patch");
    if (storage.size() != null) {
      assertThat(outcomes).as("what the cases covered").containsKey("same operations");
    }
  }

  /** Every MLflow fixture and upstream sample (src/test/resources/mlflow and its upstream/). */
  private static Map<String, ObjectNode> fixtures() {
    Map<String, ObjectNode> crs = new LinkedHashMap<>();
    for (String directory : List.of("mlflow", "mlflow/upstream")) {
      try (Stream<Path> files = Files.list(Path.of("src/test/resources", directory))) {
        files.map(file -> file.getFileName().toString())
            .filter(name -> name.endsWith(".yaml") && !name.equals("expected.yaml")).sorted()
            .forEach(name -> crs.put(directory + "/" + name, Fixtures.yaml(directory + "/" + name)));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    assertThat(crs).hasSizeGreaterThan(25);
    return crs;
  }

  /**
   * A CR that needs a volume and one that does not, each with {@code spec.storage} missing,
   * null, and every combination of its defaulted members' states; each once more with an
   * annotation and a spec member whose keys need escaping and whose value is the default size,
   * and (when storage is an object) a storage member whose key needs escaping holding the
   * default access modes: where such a value is a sibling of the change's parents, a diff copies
   * from it instead of adding.
   */
  private static Map<String, ObjectNode> generated(StorageDefaults defaults) {
    Map<String, Consumer<ObjectNode>> resources = new LinkedHashMap<>();
    resources.put("no resources", storage -> { });
    resources.put("resources null", storage -> storage.putNull("resources"));
    resources.put("resources {}", storage -> storage.putObject("resources"));
    resources.put("requests null", storage -> storage.putObject("resources").putNull("requests"));
    resources.put("requests {}", storage -> storage.putObject("resources").putObject("requests"));
    resources.put("size null",
        storage -> storage.putObject("resources").putObject("requests").putNull("storage"));
    resources.put("size set",
        storage -> storage.putObject("resources").putObject("requests").put("storage", "1Gi"));
    resources.put("other resources", storage -> {
      ObjectNode set = storage.putObject("resources");
      set.putObject("limits").put("storage", "2Gi");
      set.putObject("requests").put("cpu", "1");
    });
    Map<String, Consumer<ObjectNode>> modes = new LinkedHashMap<>();
    modes.put("no modes", storage -> { });
    modes.put("modes null", storage -> storage.putNull("accessModes"));
    modes.put("modes []", storage -> storage.putArray("accessModes"));
    modes.put("modes set", storage -> storage.putArray("accessModes").add("ReadWriteMany"));
    Map<String, Consumer<ObjectNode>> storageClass = new LinkedHashMap<>();
    storageClass.put("no class", storage -> { });
    storageClass.put("class null", storage -> storage.putNull("storageClassName"));
    storageClass.put("class set", storage -> storage.put("storageClassName", "fast"));

    Map<String, ObjectNode> crs = new LinkedHashMap<>();
    for (String base : List.of("sqlite-no-storage.yaml", "remote-storage.yaml")) {
      for (boolean extras : List.of(false, true)) {
        String name = base + (extras ? " with escaped keys" : "");
        ObjectNode cr = Fixtures.mlflow(base);
        if (extras && defaults.size() != null) {
          ((ObjectNode) cr.get("metadata")).putObject("annotations")
              .put("example.com/size~default", defaults.size());
          ((ObjectNode) cr.get("spec")).put("size/hint~", defaults.size());
        }
        ObjectNode noStorage = cr.deepCopy();
        ((ObjectNode) noStorage.get("spec")).remove("storage");
        crs.put(name + ": no storage", noStorage);
        ObjectNode nullStorage = cr.deepCopy();
        ((ObjectNode) nullStorage.get("spec")).putNull("storage");
        crs.put(name + ": storage null", nullStorage);
        resources.forEach((r, setResources) -> modes.forEach((m, setModes) ->
            storageClass.forEach((c, setClass) -> {
              for (boolean modesFirst : List.of(false, true)) {
                ObjectNode variant = cr.deepCopy();
                ObjectNode storage = ((ObjectNode) variant.get("spec")).putObject("storage");
                if (extras) {
                  ArrayNode copied = storage.putArray("x/y~z");
                  defaults.accessModes().forEach(copied::add);
                }
                (modesFirst ? setModes : setResources).accept(storage);
                (modesFirst ? setResources : setModes).accept(storage);
                setClass.accept(storage);
                crs.put(name + ": " + r + ", " + m + ", " + c
                    + (modesFirst ? ", modes first" : ""), variant);
              }
            })));
      }
    }
    return crs;
  }

  /**
   * The defaulting as the service did it before it emitted operations (a deep copy filled in),
   * kept as the reference for its answers.
   */
  private static final class DeepCopyReference {

    static JsonNode mutate(AdmissionRequest request, StorageDefaults defaults) {
      boolean writes = request.operation() == Operation.CREATE
          || request.operation() == Operation.UPDATE;
      if (!writes || request.isStatusUpdate() || !request.object().isObject()
          || !SpecShape.check(request.object()).isEmpty()) {
        return request.object();
      }
      ObjectNode result = ((ObjectNode) request.object()).deepCopy();
      result.set("spec", apply((ObjectNode) result.get("spec"), defaults));
      return result;
    }

    static ObjectNode apply(ObjectNode spec, StorageDefaults defaults) {
      JsonNode storage = spec.get("storage");
      boolean hasStorage = storage != null && storage.isObject();
      if (!hasStorage && (new MLflowSpec(spec).fileBasedLocations().isEmpty()
          || defaults.size() == null)) {
        return spec;
      }
      ObjectNode result = spec.deepCopy();
      ObjectNode target =
          hasStorage ? (ObjectNode) result.get("storage") : result.putObject("storage");
      if (defaults.size() != null && !target.path("resources").path("requests").has("storage")) {
        ObjectNode resources = objectField(target, "resources");
        ObjectNode requests = objectField(resources, "requests");
        if (resources != null && requests != null) {
          requests.put("storage", defaults.size());
        }
      }
      JsonNode modes = target.get("accessModes");
      if (!defaults.accessModes().isEmpty()
          && (modes == null || modes.isNull() || modes.isArray() && modes.isEmpty())) {
        var list = target.putArray("accessModes");
        defaults.accessModes().forEach(list::add);
      }
      if (defaults.storageClassName() != null && !target.has("storageClassName")) {
        target.put("storageClassName", defaults.storageClassName());
      }
      return result;
    }

    private static ObjectNode objectField(ObjectNode parent, String name) {
      if (parent == null) {
        return null;
      }
      JsonNode existing = parent.get(name);
      if (existing == null || existing.isNull()) {
        return parent.putObject(name);
      }
      return existing.isObject() ? (ObjectNode) existing : null;
    }
  }
}
