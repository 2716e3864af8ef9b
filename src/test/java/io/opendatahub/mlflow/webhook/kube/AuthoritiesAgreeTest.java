package io.opendatahub.mlflow.webhook.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.opendatahub.mlflow.webhook.authz.AccessDecision;
import io.opendatahub.mlflow.webhook.authz.Identity;
import io.opendatahub.mlflow.webhook.authz.ResourceAttributes;
import io.opendatahub.mlflow.webhook.authz.AccessReviewer;
import io.opendatahub.mlflow.webhook.authz.LocalAuthority;
import io.opendatahub.mlflow.webhook.rbac.RbacSnapshot;
import io.opendatahub.mlflow.webhook.testing.EnableCrudApiServer;
import io.opendatahub.mlflow.webhook.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * Every authority gives the Kubernetes RBAC authorizer's answer on the scenarios of
 * {@code src/test/resources/rbac/agree} (see its README): the local authority from manifests,
 * the local authority from informers of a mock API server, and the delegate.
 */
@EnableCrudApiServer
class AuthoritiesAgreeTest {

  private static final Path SCENARIOS = Path.of("src/test/resources/rbac/agree");
  private static final CompletableFuture<Optional<Identity>> NOBODY =
      CompletableFuture.completedFuture(Optional.empty());

  KubernetesMockServer server;
  KubernetesClient client;

  /** One question and the Kubernetes authorizer's answer. */
  record Case(Identity identity, ResourceAttributes attributes, boolean allowed) {
    String key() {
      List<String> groups = new ArrayList<>(identity.groups());
      groups.sort(null);
      ResourceAttributes a = attributes;
      return String.join(",", identity.username(), String.join("|", groups), a.verb(),
          a.namespace(), a.group(), a.resource(), a.subresource(), a.name());
    }

    @Override
    public String toString() {
      return identity.username() + " " + identity.groups() + ": " + attributes.describe();
    }
  }

  static Stream<String> scenarios() throws IOException {
    try (Stream<Path> entries = Files.list(SCENARIOS)) {
      return entries.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted()
          .toList().stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void everyAuthorityGivesTheAuthorizersAnswer(String scenario) throws Exception {
    Path directory = SCENARIOS.resolve(scenario);
    List<Case> cases = cases(directory.resolve("cases.csv"));
    Map<String, Boolean> oracle = new LinkedHashMap<>();
    cases.forEach(c -> oracle.put(c.key(), c.allowed()));
    server.expect().post().withPath("/apis/authorization.k8s.io/v1/subjectaccessreviews")
        .andReply(200, request -> kubernetesAnswer(request, oracle)).always();
    List<HasMetadata> objects = RbacManifests.objects(directory.resolve("rbac.yaml"));
    storeAsTheApiServerWould(objects);

    RbacSnapshot fromFiles = RbacManifests.load(directory.resolve("rbac.yaml"));
    Map<String, AccessReviewer> authorities = new LinkedHashMap<>();
    authorities.put("local (manifests)",
        new LocalAuthority(() -> Optional.of(fromFiles), token -> NOBODY));
    try (InformerRbac informers = new InformerRbac(client);
        KubeAccessReviewer delegate = new KubeAccessReviewer(client)) {
      informers.start().get(10, TimeUnit.SECONDS);
      authorities.put("local (informers)", new LocalAuthority(informers::snapshot, token -> NOBODY));
      authorities.put("kubernetes (delegate)", delegate);

      SoftAssertions softly = new SoftAssertions();
      for (Case question : cases) {
        for (Map.Entry<String, AccessReviewer> authority : authorities.entrySet()) {
          AccessDecision decision = authority.getValue()
              .review(question.identity(), question.attributes()).get(5, TimeUnit.SECONDS);
          softly.assertThat(decision.evaluationError()).as(authority.getKey() + ": " + question)
              .isNull();
          softly.assertThat(decision.allowed()).as(authority.getKey() + ": " + question)
              .isEqualTo(question.allowed());
        }
      }
      softly.assertAll();
    }
    assertThat(cases).isNotEmpty();
  }

  /**
   * The API server's side: ClusterRoles with an {@code aggregationRule} hold the rules the
   * aggregation controller wrote into them (rules of the selected roles, ordered by name).
   */
  private void storeAsTheApiServerWould(List<HasMetadata> objects) {
    List<ClusterRole> clusterRoles = objects.stream().filter(ClusterRole.class::isInstance)
        .map(ClusterRole.class::cast).sorted(Comparator.comparing(r -> r.getMetadata().getName()))
        .toList();
    for (HasMetadata object : objects) {
      if (object instanceof ClusterRole role && role.getAggregationRule() != null) {
        List<PolicyRule> rules = new ArrayList<>();
        for (ClusterRole source : clusterRoles) {
          if (source != role && selects(role.getAggregationRule().getClusterRoleSelectors(),
              source.getMetadata().getLabels())) {
            rules.addAll(source.getRules());
          }
        }
        role.setRules(rules);
      }
      client.resource(object).create();
    }
  }

  private static boolean selects(List<LabelSelector> selectors, Map<String, String> labels) {
    return labels != null && selectors.stream()
        .anyMatch(s -> labels.entrySet().containsAll(s.getMatchLabels().entrySet()));
  }

  /** Answers from the table; a question that is not in it, exactly, gets an evaluation error. */
  private static Object kubernetesAnswer(RecordedRequest request, Map<String, Boolean> oracle) {
    JsonNode spec = Fixtures.JSON.readTree(request.getUtf8Body()).path("spec");
    JsonNode a = spec.path("resourceAttributes");
    List<String> groups = new ArrayList<>();
    spec.path("groups").forEach(g -> groups.add(g.asString()));
    groups.sort(null);
    String key = String.join(",", spec.path("user").asString(""), String.join("|", groups),
        a.path("verb").asString(""), a.path("namespace").asString(""),
        a.path("group").asString(""), a.path("resource").asString(""),
        a.path("subresource").asString(""), a.path("name").asString(""));
    Boolean allowed = oracle.get(key);
    Map<String, Object> status = allowed == null
        ? Map.of("allowed", false, "evaluationError", "not a question of the table: " + key)
        : Map.of("allowed", allowed);
    return Map.of("apiVersion", "authorization.k8s.io/v1", "kind", "SubjectAccessReview",
        "status", status);
  }

  private static List<Case> cases(Path file) throws IOException {
    List<Case> cases = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.split(",", -1);
      if (f.length != 9) {
        throw new IllegalArgumentException(file + ": expected 9 columns: " + line);
      }
      List<String> groups = f[1].isEmpty() ? List.of() : Arrays.asList(f[1].split("\\|"));
      cases.add(new Case(new Identity(f[0], "", groups, Map.of()),
          new ResourceAttributes(f[3], f[2], f[4], "", f[5], f[6], f[7]),
          Boolean.parseBoolean(f[8])));
    }
    return cases;
  }
}
