package io.opendatahub.mlflow.webhook.cluster;

import io.opendatahub.mlflow.webhook.authz.AccessDecision;
import io.opendatahub.mlflow.webhook.authz.Identity;
import io.opendatahub.mlflow.webhook.authz.ResourceAttributes;
import io.opendatahub.mlflow.webhook.authz.Tokens;
import io.opendatahub.mlflow.webhook.policy.LabelSelector;
import io.opendatahub.mlflow.webhook.rbac.ClusterRoleAggregation;
import io.opendatahub.mlflow.webhook.rbac.RbacEvaluator;
import io.opendatahub.mlflow.webhook.rbac.RbacModel;
import io.opendatahub.mlflow.webhook.rbac.RbacSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The local authority: Kubernetes RBAC evaluated in-process from manifests, callers known from a
 * static token file. Exact for RBAC, blind to any other authorizer (OpenShift's included), and it
 * says so in every reason. Used when the service runs without a cluster.
 */
public final class LocalAuthority implements AccessReviewer {

  private static final YAMLMapper YAML = YAMLMapper.builder().build();

  private final RbacSnapshot snapshot;
  private final Map<String, Identity> identitiesByTokenHash;

  public LocalAuthority(RbacSnapshot snapshot, Map<String, Identity> identitiesByTokenHash) {
    this.snapshot = snapshot;
    this.identitiesByTokenHash = Map.copyOf(identitiesByTokenHash);
  }

  public static LocalAuthority load(Path rbac, Path tokens) throws IOException {
    return new LocalAuthority(snapshot(rbac), tokens(tokens));
  }

  @Override
  public CompletableFuture<Optional<Identity>> authenticate(String bearerToken) {
    return CompletableFuture.completedFuture(
        Optional.ofNullable(identitiesByTokenHash.get(Tokens.sha256(bearerToken))));
  }

  @Override
  public CompletableFuture<AccessDecision> review(Identity identity, ResourceAttributes a) {
    RbacEvaluator.Decision decision = RbacEvaluator.authorize(RbacModel.Request.resource(
        identity.username(), identity.groups(), a.verb(), a.namespace(), a.group(), a.resource(),
        a.subresource(), a.name()), snapshot);
    return CompletableFuture.completedFuture(new AccessDecision(decision.allowed(), false,
        "local authority (RBAC only): " + decision.reason(), null, AccessDecision.Source.LOCAL));
  }

  /** Roles, ClusterRoles (aggregation resolved) and bindings from YAML files. */
  static RbacSnapshot snapshot(Path location) throws IOException {
    Map<String, List<RbacModel.Rule>> roles = new HashMap<>();
    List<ClusterRoleAggregation.ClusterRole> clusterRoles = new ArrayList<>();
    List<RbacModel.Binding> bindings = new ArrayList<>();
    for (JsonNode object : objects(location)) {
      JsonNode metadata = object.path("metadata");
      String name = metadata.path("name").asString("");
      String namespace = metadata.path("namespace").asString("");
      switch (object.path("kind").asString("")) {
        case "Role" -> roles.put(namespace + "/" + name, rules(object));
        case "ClusterRole" -> {
          List<LabelSelector> selectors = new ArrayList<>();
          for (JsonNode selector : object.path("aggregationRule").path("clusterRoleSelectors")) {
            selectors.add(YAML.treeToValue(selector, LabelSelector.class));
          }
          Map<String, String> labels = new HashMap<>();
          metadata.path("labels").properties().forEach(e -> labels.put(e.getKey(),
              e.getValue().asString("")));
          clusterRoles.add(new ClusterRoleAggregation.ClusterRole(name, labels, rules(object),
              selectors));
        }
        case "RoleBinding", "ClusterRoleBinding" -> {
          List<RbacModel.Subject> subjects = new ArrayList<>();
          for (JsonNode subject : object.path("subjects")) {
            subjects.add(new RbacModel.Subject(subject.path("kind").asString(""),
                subject.path("name").asString(""), subject.path("namespace").asString("")));
          }
          boolean cluster = object.path("kind").asString().equals("ClusterRoleBinding");
          bindings.add(new RbacModel.Binding(name, cluster ? "" : namespace,
              new RbacModel.RoleRef(object.path("roleRef").path("kind").asString(""),
                  object.path("roleRef").path("name").asString("")), subjects));
        }
        default -> { }
      }
    }
    return new RbacSnapshot(roles, ClusterRoleAggregation.resolve(clusterRoles), bindings);
  }

  private static List<RbacModel.Rule> rules(JsonNode role) {
    List<RbacModel.Rule> rules = new ArrayList<>();
    for (JsonNode rule : role.path("rules")) {
      rules.add(new RbacModel.Rule(strings(rule, "verbs"), strings(rule, "apiGroups"),
          strings(rule, "resources"), strings(rule, "resourceNames"),
          strings(rule, "nonResourceURLs")));
    }
    return rules;
  }

  private static List<String> strings(JsonNode node, String field) {
    List<String> values = new ArrayList<>();
    node.path(field).forEach(value -> values.add(value.asString("")));
    return values;
  }

  private static List<JsonNode> objects(Path location) throws IOException {
    List<Path> files;
    if (Files.isDirectory(location)) {
      try (Stream<Path> entries = Files.list(location)) {
        files = entries.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
            .sorted().toList();
      }
    } else {
      files = List.of(location);
    }
    List<JsonNode> objects = new ArrayList<>();
    for (Path file : files) {
      try (MappingIterator<JsonNode> documents =
          YAML.readerFor(JsonNode.class).readValues(Files.readAllBytes(file))) {
        while (documents.hasNextValue()) {
          JsonNode document = documents.nextValue();
          if (document != null && document.isObject()) {
            objects.add(document);
          }
        }
      }
    }
    return objects;
  }

  /**
   * A static token file: {@code token,user,uid,"group1,group2"} per line, as the API server's
   * {@code --token-auth-file}. Kept by the token's hash only.
   */
  static Map<String, Identity> tokens(Path file) throws IOException {
    Map<String, Identity> identities = new HashMap<>();
    int lineNumber = 0;
    for (String line : Files.readAllLines(file)) {
      lineNumber++;
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      List<String> fields = csv(line);
      if (fields.size() < 3) {
        throw new IOException(file + ":" + lineNumber + ": expected token,user,uid[,\"groups\"]");
      }
      List<String> groups = fields.size() > 3 && !fields.get(3).isBlank()
          ? List.of(fields.get(3).split(",")) : List.of();
      identities.put(Tokens.sha256(fields.get(0)),
          new Identity(fields.get(1), fields.get(2), groups, Map.of()));
    }
    return identities;
  }

  private static List<String> csv(String line) {
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    for (char c : line.toCharArray()) {
      if (c == '"') {
        quoted = !quoted;
      } else if (c == ',' && !quoted) {
        fields.add(field.toString().trim());
        field.setLength(0);
      } else {
        field.append(c);
      }
    }
    fields.add(field.toString().trim());
    return fields;
  }
}
