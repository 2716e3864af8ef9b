package io.opendatahub.mlflow.webhook.policy;

import io.fabric8.kubernetes.api.model.Quantity;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads the policy from a file or a directory of YAML files. Exactly one {@code MLflowPolicy}
 * document must be found; other kinds are left for other readers. Errors name the file, the line
 * and the field, because an admin reads them in a pod log.
 */
public final class PolicyLoader {

  public static final String API_VERSION = "policy.mlflow-webhook.io/v1alpha1";
  public static final String KIND = "MLflowPolicy";
  public static final String ROUTE_TABLE_KIND = "MLflowRouteTable";
  /** The shipped route table ({@code policies/mlflow-routes.yaml}), packaged in the jar. */
  static final String BUILT_IN_ROUTES = "/mlflow-routes.yaml";

  private static final Pattern SCHEME = Pattern.compile("[a-z][a-z0-9.-]*");

  private final YAMLMapper mapper =
      YAMLMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .build();

  /**
   * SHA-256 over the names and bytes of the files {@link #load} would read: the same value as
   * {@link Policy#hash()} of the policy they hold. Cheap enough to poll.
   */
  public String fingerprint(Path location) throws PolicyException {
    MessageDigest digest = sha256();
    for (Path file : policyFiles(location)) {
      digest.update(file.getFileName().toString().getBytes(StandardCharsets.UTF_8));
      digest.update(read(file));
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  public Policy load(Path location) throws PolicyException {
    List<Path> files = policyFiles(location);
    MessageDigest digest = sha256();
    List<Found> found = new ArrayList<>();
    List<RouteRule> routes = new ArrayList<>(builtInRoutes());
    for (Path file : files) {
      byte[] bytes = read(file);
      digest.update(file.getFileName().toString().getBytes(StandardCharsets.UTF_8));
      digest.update(bytes);
      found.addAll(policies(file, bytes, routes));
    }
    if (found.isEmpty()) {
      throw new PolicyException(location + ": no document with kind: " + KIND + " found in "
          + (files.isEmpty() ? "(no .yaml files)" : files.toString()));
    }
    if (found.size() > 1) {
      throw new PolicyException(location + ": more than one " + KIND + " document ("
          + found.get(0).file() + ", " + found.get(1).file() + "); keep exactly one");
    }
    Found policy = found.get(0);
    String hash = HexFormat.of().formatHex(digest.digest());
    try {
      return validate(policy.file(), policy.document(), hash, merge(routes));
    } catch (FieldError e) {
      int line = new YamlLocator(policy.bytes()).line(policy.index(), e.path);
      throw new PolicyException(policy.file() + (line > 0 ? ":" + line : "") + ": field "
          + format(e.path) + ": " + e.getMessage());
    }
  }

  private List<Path> policyFiles(Path location) throws PolicyException {
    try {
      return YamlFiles.in(location);
    } catch (NoSuchFileException e) {
      throw new PolicyException(location + ": no such file or directory", e);
    } catch (IOException e) {
      throw new PolicyException(location + ": cannot list directory: " + e.getMessage(), e);
    }
  }

  private static byte[] read(Path file) throws PolicyException {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new PolicyException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  /**
   * The policy documents of one file, bound strictly; route tables are bound and their entries
   * added to {@code routes}; other kinds are skipped.
   */
  private List<Found> policies(Path file, byte[] bytes, List<RouteRule> routes)
      throws PolicyException {
    List<Found> found = new ArrayList<>();
    int index = 0;
    try (MappingIterator<JsonNode> documents = mapper.readerFor(JsonNode.class).readValues(bytes)) {
      while (documents.hasNextValue()) {
        JsonNode document = documents.nextValue();
        String kind = document == null ? "" : document.path("kind").asString("");
        if (KIND.equals(kind)) {
          found.add(new Found(file, bytes, index,
              bind(file, bytes, index, document, PolicyDocument.class)));
        } else if (ROUTE_TABLE_KIND.equals(kind)) {
          RouteTableDocument table = bind(file, bytes, index, document, RouteTableDocument.class);
          if (!API_VERSION.equals(table.apiVersion())) {
            throw new PolicyException(file + ": " + ROUTE_TABLE_KIND + " document " + (index + 1)
                + ": field apiVersion: expected " + API_VERSION + ", got " + table.apiVersion());
          }
          routes.addAll(table.spec().routes());
        }
        index++;
      }
    } catch (JacksonException e) {
      int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
      throw new PolicyException(file + (line > 0 ? ":" + line : "") + ": not valid YAML: "
          + e.getOriginalMessage(), e);
    }
    return found;
  }

  private <T> T bind(Path file, byte[] bytes, int index, JsonNode document, Class<T> type)
      throws PolicyException {
    try {
      return mapper.treeToValue(document, type);
    } catch (JacksonException e) {
      List<Object> path = path(e);
      int line = new YamlLocator(bytes).line(index, path);
      throw new PolicyException(file + (line > 0 ? ":" + line : "") + ": field " + format(path)
          + ": " + reason(e), e);
    }
  }

  /** Later entries replace earlier ones with the same method and path, in the earlier's place. */
  private static List<RouteRule> merge(List<RouteRule> routes) {
    java.util.Map<String, RouteRule> byKey = new java.util.LinkedHashMap<>();
    routes.forEach(route -> byKey.put(route.key(), route));
    return List.copyOf(byKey.values());
  }

  /** Parsed once per process: the jar does not change, policy reloads need not re-read it. */
  private static volatile List<RouteRule> builtInRoutes;

  private List<RouteRule> builtInRoutes() throws PolicyException {
    List<RouteRule> parsed = builtInRoutes;
    if (parsed == null) {
      parsed = List.copyOf(readBuiltInRoutes());
      builtInRoutes = parsed;
    }
    return parsed;
  }

  private List<RouteRule> readBuiltInRoutes() throws PolicyException {
    List<RouteRule> routes = new ArrayList<>();
    try (var in = PolicyLoader.class.getResourceAsStream(BUILT_IN_ROUTES)) {
      if (in == null) {
        throw new IllegalStateException(BUILT_IN_ROUTES + " is missing from the jar");
      }
      policies(Path.of("(built-in)" + BUILT_IN_ROUTES), in.readAllBytes(), routes);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the built-in route table", e);
    }
    return routes;
  }

  private static Policy validate(Path file, PolicyDocument document, String hash,
      List<RouteRule> routes) throws FieldError {
    if (!API_VERSION.equals(document.apiVersion())) {
      throw new FieldError(List.of("apiVersion"),
          "expected " + API_VERSION + ", got " + document.apiVersion());
    }
    List<Environment> environments = document.spec().environments();
    if (environments == null || environments.isEmpty()) {
      throw new FieldError(List.of("spec", "environments"), "list at least one environment");
    }
    Set<String> names = new HashSet<>();
    int defaults = 0;
    for (int i = 0; i < environments.size(); i++) {
      Environment environment = environments.get(i);
      if (environment == null || environment.name() == null || environment.name().isBlank()) {
        throw new FieldError(List.of("spec", "environments", i, "name"), "must not be empty");
      }
      if (!names.add(environment.name())) {
        throw new FieldError(List.of("spec", "environments", i, "name"),
            "environment '" + environment.name() + "' is listed twice");
      }
      if (environment.isDefault()) {
        defaults++;
      }
    }
    if (defaults != 1) {
      throw new FieldError(List.of("spec", "environments"), "exactly one environment must have"
          + " default: true (found " + defaults + "); it takes namespaces no other claims");
    }
    MLflowPolicy mlflow = document.spec().mlflow() == null
        ? new MLflowPolicy(null, null, null) : document.spec().mlflow();
    for (var entry : mlflow.environments().entrySet()) {
      List<Object> field = List.of("spec", "mlflow", "environments", entry.getKey());
      if (!names.contains(entry.getKey())) {
        throw new FieldError(field,
            "no environment named '" + entry.getKey() + "' in spec.environments " + names);
      }
      MLflowEnvironmentRules rules = entry.getValue();
      if (rules != null) {
        validateRules(field, rules);
      }
    }
    validateQuantity(List.of("spec", "mlflow", "defaults", "storage", "size"),
        mlflow.defaults().storage().size());
    String name = document.metadata() == null || document.metadata().name() == null
        ? "unnamed" : document.metadata().name();
    AuthorizationPolicy authorization = document.spec().authorization() == null
        ? AuthorizationPolicy.DEFAULTS : document.spec().authorization();
    RoleBindingPolicy roleBindings = document.spec().roleBindings() == null
        ? RoleBindingPolicy.DEFAULTS : document.spec().roleBindings();
    ServiceAccountBindingPolicy binding = document.spec().serviceAccountBinding() == null
        ? ServiceAccountBindingPolicy.DISABLED : document.spec().serviceAccountBinding();
    return new Policy(name, environments, mlflow, authorization, roleBindings, binding, routes,
        file.toString(), hash);
  }

  private static void validateRules(List<Object> field, MLflowEnvironmentRules rules)
      throws FieldError {
    validateSchemes(append(field, "backendStore", "schemes"), rules.backendStore());
    validateSchemes(append(field, "artifacts", "schemes"), rules.artifacts());
    BigDecimal min = validateQuantity(append(field, "storage", "minSize"), rules.storage().minSize());
    BigDecimal max = validateQuantity(append(field, "storage", "maxSize"), rules.storage().maxSize());
    if (min != null && max != null && min.compareTo(max) > 0) {
      throw new FieldError(append(field, "storage", "minSize"), "minSize "
          + rules.storage().minSize() + " is larger than maxSize " + rules.storage().maxSize());
    }
    for (String rule : rules.rules().keySet()) {
      if (MLflowRule.byId(rule).isEmpty()) {
        throw new FieldError(append(field, "rules", rule), "no rule named '" + rule
            + "'; rules are " + Arrays.stream(MLflowRule.values()).map(MLflowRule::id).toList());
      }
    }
  }

  private static void validateSchemes(List<Object> field, StoreRules rules) throws FieldError {
    for (String scheme : rules.schemes()) {
      if (!SCHEME.matcher(scheme).matches()) {
        throw new FieldError(field, "'" + scheme
            + "' is not a URI scheme (write e.g. postgresql, mysql, sqlite, s3)");
      }
    }
  }

  private static BigDecimal validateQuantity(List<Object> field, String quantity)
      throws FieldError {
    if (quantity == null) {
      return null;
    }
    try {
      return Quantity.getAmountInBytes(new Quantity(quantity));
    } catch (RuntimeException e) {
      throw new FieldError(field, "'" + quantity + "' is not a Kubernetes quantity (write e.g."
          + " 10Gi)");
    }
  }

  private static List<Object> append(List<Object> path, Object... steps) {
    List<Object> result = new ArrayList<>(path);
    result.addAll(List.of(steps));
    return result;
  }

  private static List<Object> path(JacksonException e) {
    List<Object> path = new ArrayList<>();
    for (JacksonException.Reference reference : e.getPath()) {
      if (reference.getPropertyName() != null) {
        path.add(reference.getPropertyName());
      } else if (reference.getIndex() >= 0) {
        path.add(reference.getIndex());
      }
    }
    return path;
  }

  static String format(List<Object> path) {
    StringBuilder text = new StringBuilder();
    for (Object step : path) {
      if (step instanceof Integer index) {
        text.append('[').append(index).append(']');
      } else {
        text.append(text.isEmpty() ? "" : ".").append(step);
      }
    }
    return text.isEmpty() ? "(document)" : text.toString();
  }

  private static String reason(JacksonException e) {
    if (e.getCause() instanceof IllegalArgumentException invalid) {
      return invalid.getMessage();
    }
    if (e instanceof UnrecognizedPropertyException unknown) {
      return "unknown field '" + unknown.getPropertyName() + "' (known: "
          + unknown.getKnownPropertyIds() + ")";
    }
    String message = e.getOriginalMessage();
    if (message.startsWith("Missing required creator property")) {
      int open = message.indexOf('\'');
      int close = message.indexOf('\'', open + 1);
      return open >= 0 && close > open
          ? "required field '" + message.substring(open + 1, close) + "' is missing"
          : "a required field is missing";
    }
    int cut = message.indexOf(" (for ");
    return cut > 0 ? message.substring(0, cut) : message;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }

  /** A semantic error at a field; the loader adds file and line. */
  private static final class FieldError extends Exception {
    private final transient List<Object> path;

    FieldError(List<Object> path, String message) {
      super(message);
      this.path = path;
    }
  }

  private record Found(Path file, byte[] bytes, int index, PolicyDocument document) {}
}
