package io.opendatahub.mlflow.webhook.policy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
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
      return PolicyValidator.validate(policy.file(), policy.document(), hash, merge(routes));
    } catch (FieldError e) {
      int line = new YamlLocator(policy.bytes()).line(policy.index(), e.path());
      throw new PolicyException(policy.file() + (line > 0 ? ":" + line : "") + ": field "
          + format(e.path()) + ": " + e.getMessage());
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

  /**
   * Parsed once per loader: the jar does not change, so the reloads of the loader that owns the
   * policy need not re-read it.
   */
  private volatile List<RouteRule> builtInRoutes;

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

  private record Found(Path file, byte[] bytes, int index, PolicyDocument document) {}
}
