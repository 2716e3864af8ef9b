package io.opendatahub.mlflow.webhook.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.admission.AdmissionResponse;
import io.opendatahub.mlflow.webhook.admission.AdmissionReview;
import io.opendatahub.mlflow.webhook.admission.AdmissionReviewCodec;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.admission.MalformedReviewException;
import io.opendatahub.mlflow.webhook.cli.Handlers;
import io.opendatahub.mlflow.webhook.authz.AccessDecision;
import io.opendatahub.mlflow.webhook.authz.AccessReview;
import io.opendatahub.mlflow.webhook.authz.AccessReviewCodec;
import io.opendatahub.mlflow.webhook.authz.PolicyOverlay;
import io.opendatahub.mlflow.webhook.admission.StaticNamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import io.opendatahub.mlflow.webhook.testing.TestPolicies;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.constraints.Size;
import tools.jackson.core.JsonPointer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Random mutations of valid reviews: the codecs either refuse them with a reason or read them,
 * and whatever they read, the rules answer with a well-formed response. A short run is part of
 * the suite; {@code mvn -B verify -Pfuzz} runs 100,000 cases per property.
 */
@Tag("fuzz")
class CodecFuzzTest {

  private static final Policy POLICY = TestPolicies.shipped();
  private static final DecisionContext CONTEXT =
      new DecisionContext(POLICY, StaticNamespaceFacts.fromPolicy(POLICY));
  private static final AdmissionService SERVICE = new AdmissionService(Handlers.all());
  private static final AdmissionReviewCodec ADMISSION = new AdmissionReviewCodec();
  private static final AccessReviewCodec ACCESS = new AccessReviewCodec();

  /** Put {@code kind} of value at the {@code at}-th node of the tree (modulo its size). */
  record Mutation(int at, int kind, String text) {}

  @Provide
  Arbitrary<Mutation> mutation() {
    return Combinators.combine(Arbitraries.integers().between(0, 10_000),
        Arbitraries.integers().between(0, 9), Arbitraries.strings().ofMaxLength(24))
        .as(Mutation::new);
  }

  @Provide
  Arbitrary<String> sample() {
    return Arbitraries.of("sqlite-dev.yaml", "remote-storage.yaml", "postgres-inline.yaml",
        "no-backend.yaml", "sqlite-no-storage.yaml");
  }

  @Property
  void admissionReviewsAlwaysGetAReasonOrAWellFormedAnswer(
      @ForAll("sample") String sample, @ForAll @Size(max = 6) List<@From("mutation") Mutation> mutations) {
    ObjectNode review = Fixtures.mlflowReview(Fixtures.mlflow(sample)).oldObject(Fixtures.mlflow(sample))
        .operation(mutations.size() % 2 == 0 ? "CREATE" : "UPDATE").json();
    mutations.forEach(m -> apply(review, m));
    byte[] body = review.toString().getBytes(StandardCharsets.UTF_8);

    AdmissionReview decoded;
    try {
      decoded = ADMISSION.decode(body);
    } catch (MalformedReviewException e) {
      assertThat(e.getMessage()).isNotBlank();
      return;
    }
    for (AdmissionResponse response : List.of(SERVICE.validate(decoded.request(), CONTEXT),
        SERVICE.mutate(decoded.request(), CONTEXT),
        SERVICE.simulate(decoded.request(), CONTEXT).validation())) {
      JsonNode answer = Fixtures.JSON.readTree(ADMISSION.encode(decoded.apiVersion(), response));
      assertThat(answer.path("response").path("uid").asString()).isEqualTo(decoded.request().uid());
      if (!response.allowed()) {
        assertThat(answer.path("response").path("status").path("code").asInt()).isEqualTo(403);
        assertThat(response.message()).isNotBlank();
      }
    }
  }

  @Property
  void accessReviewsAlwaysGetAReasonOrAWellFormedAnswer(
      @ForAll boolean named, @ForAll @Size(max = 6) List<@From("mutation") Mutation> mutations) {
    ObjectNode review = (ObjectNode) Fixtures.JSON.readTree("{\"apiVersion\":\"authorization.k8s.io/v1\","
        + "\"kind\":\"" + (named ? "SubjectAccessReview" : "SelfSubjectAccessReview") + "\","
        + "\"spec\":{\"user\":\"u\",\"groups\":[\"g\"],\"extra\":{\"k\":[\"v\"]},"
        + "\"resourceAttributes\":{\"namespace\":\"ns\",\"verb\":\"get\","
        + "\"group\":\"mlflow.kubeflow.org\",\"resource\":\"gatewayendpoints\",\"subresource\":\"use\"}}}");
    mutations.forEach(m -> apply(review, m));

    AccessReview decoded;
    try {
      decoded = ACCESS.decode(review.toString().getBytes(StandardCharsets.UTF_8));
    } catch (MalformedReviewException e) {
      assertThat(e.getMessage()).isNotBlank();
      return;
    }
    AccessDecision decision = PolicyOverlay.decide(decoded.attributes(), POLICY.authorization(),
        PolicyOverlay.NO_NAMESPACES)
        .orElse(AccessDecision.failClosed("no authority"));
    JsonNode answer = Fixtures.JSON.readTree(ACCESS.encode(decoded, decision));
    assertThat(answer.path("status").path("allowed").isBoolean()).isTrue();
    assertThat(answer.path("status").path("allowed").asBoolean() && decision.denied()).isFalse();
  }

  private static void apply(ObjectNode root, Mutation mutation) {
    List<JsonPointer> paths = new ArrayList<>();
    collect(root, JsonPointer.empty(), paths);
    JsonPointer target = paths.get(mutation.at() % paths.size());
    if (target.matches()) {
      return;
    }
    JsonNode parent = root.at(target.head());
    JsonNode value = value(mutation);
    if (parent instanceof ObjectNode object) {
      String field = target.last().getMatchingProperty();
      if (value == null) {
        object.remove(field);
      } else {
        object.set(field, value);
      }
    } else if (parent instanceof ArrayNode array) {
      int index = target.last().getMatchingIndex();
      if (value == null) {
        array.remove(index);
      } else {
        array.set(index, value);
      }
    }
  }

  private static void collect(JsonNode node, JsonPointer at, List<JsonPointer> paths) {
    paths.add(at);
    if (node.isObject()) {
      node.properties().forEach(e -> collect(e.getValue(), at.appendProperty(e.getKey()), paths));
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        collect(node.get(i), at.appendIndex(i), paths);
      }
    }
  }

  private static JsonNode value(Mutation mutation) {
    var factory = Fixtures.JSON.getNodeFactory();
    return switch (mutation.kind()) {
      case 0 -> null;
      case 1 -> factory.nullNode();
      case 2 -> factory.numberNode(mutation.text().length() - 12);
      case 3 -> factory.stringNode(mutation.text());
      case 4 -> factory.booleanNode(mutation.text().isEmpty());
      case 5 -> factory.arrayNode();
      case 6 -> factory.objectNode();
      case 7 -> factory.arrayNode().add(mutation.text()).add(factory.objectNode());
      case 8 -> factory.stringNode("sqlite+" + mutation.text() + "://u:p@h/" + mutation.text());
      default -> factory.objectNode().put(mutation.text(), mutation.text())
          .set("storage", factory.stringNode(mutation.text()));
    };
  }
}
