package io.opendatahub.mlflow.webhook.cli;

import io.opendatahub.mlflow.webhook.admission.AdmissionRequest;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.admission.GroupVersionKind;
import io.opendatahub.mlflow.webhook.admission.Operation;
import io.opendatahub.mlflow.webhook.admission.NamespaceFacts.KnownNamespace;
import io.opendatahub.mlflow.webhook.admission.StaticNamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.policy.PolicyException;
import io.opendatahub.mlflow.webhook.policy.PolicyLoader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * {@code check}: evaluates manifests offline against a policy, as the webhook would admit them
 * (mutation first, then validation of the mutated object), and prints the verdicts. Exit 0 when
 * everything is admitted, 1 when anything is denied, 2 on bad input.
 */
final class CheckCommand {

  static final int ADMITTED = 0;
  static final int DENIED = 1;

  private final YAMLMapper yaml = YAMLMapper.builder().build();

  /** Parsed options. */
  record Options(Path policy, List<KnownNamespace> namespaces, boolean json, List<Path> files) {}

  int run(List<String> args, PrintStream out, PrintStream err) {
    Options options;
    Policy policy;
    List<CheckReport.Result> results = new ArrayList<>();
    try {
      options = parse(args);
      policy = new PolicyLoader().load(options.policy());
      StaticNamespaceFacts facts = knownNamespaces(policy, options.namespaces());
      DecisionContext context = new DecisionContext(policy, facts);
      AdmissionService service = new AdmissionService(Handlers.all());
      for (Path file : options.files()) {
        int index = 0;
        for (JsonNode object : objects(file)) {
          index++;
          AdmissionRequest request = request(file, index, object);
          results.add(new CheckReport.Result(file, index, request,
              service.simulate(request, context)));
        }
      }
    } catch (ConfigException | PolicyException e) {
      err.println("mlflow-policy-webhook check: " + e.getMessage());
      return Main.USAGE;
    }
    CheckReport report = new CheckReport(policy, assumedNamespaces(policy, options), results);
    out.print(options.json() ? report.json() : report.text());
    return report.anyDenied() ? DENIED : ADMITTED;
  }

  /**
   * The namespaces the simulated cluster has. Without {@code --namespace}, as the service runs
   * without a cluster: those the policy names and the deployment namespace, each assumed to
   * exist (so a CR without a selector serves them all, a policy-named production namespace
   * included). With {@code --namespace}, exactly those given: they stand for the cluster.
   */
  static StaticNamespaceFacts knownNamespaces(Policy policy, List<KnownNamespace> given) {
    return given.isEmpty() ? StaticNamespaceFacts.fromPolicy(policy)
        : new StaticNamespaceFacts(given);
  }

  /** The namespaces assumed from the policy alone, for the report; empty with --namespace. */
  private static List<String> assumedNamespaces(Policy policy, Options options) {
    if (!options.namespaces().isEmpty()) {
      return List.of();
    }
    return StaticNamespaceFacts.fromPolicy(policy).namespaces().stream()
        .map(KnownNamespace::name).sorted().toList();
  }

  private static Options parse(List<String> args) throws ConfigException {
    Path policy = Path.of("policies");
    List<KnownNamespace> namespaces = new ArrayList<>();
    boolean json = false;
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      switch (arg) {
        case "--policy" -> policy = Path.of(value(args, ++i, arg));
        case "--namespace" -> namespaces.add(namespace(value(args, ++i, arg)));
        case "--output" -> json = json(value(args, ++i, arg));
        default -> {
          if (arg.startsWith("--")) {
            throw new ConfigException("unknown option '" + arg + "'; check accepts --policy,"
                + " --namespace, --output and manifest files");
          }
          files.add(Path.of(arg));
        }
      }
    }
    if (files.isEmpty()) {
      throw new ConfigException("no manifest files given; usage: check [--policy PATH]"
          + " [--namespace NAME=key=value,...] [--output text|json] FILE.yaml...");
    }
    return new Options(policy, namespaces, json, files);
  }

  /** {@code --output}: true for json, false for text. */
  static boolean json(String format) throws ConfigException {
    if (!format.equals("json") && !format.equals("text")) {
      throw new ConfigException("--output: '" + format + "' is not text or json");
    }
    return format.equals("json");
  }

  static String value(List<String> args, int index, String flag) throws ConfigException {
    if (index >= args.size()) {
      throw new ConfigException(flag + ": a value is required");
    }
    return args.get(index);
  }

  /** {@code NAME} or {@code NAME=key=value,key=value}. */
  static KnownNamespace namespace(String spec) throws ConfigException {
    int equals = spec.indexOf('=');
    String name = equals < 0 ? spec : spec.substring(0, equals);
    if (name.isBlank()) {
      throw new ConfigException("--namespace: '" + spec + "' has no namespace name");
    }
    Map<String, String> labels = new LinkedHashMap<>();
    if (equals >= 0 && equals < spec.length() - 1) {
      for (String pair : spec.substring(equals + 1).split(",")) {
        int split = pair.indexOf('=');
        if (split <= 0) {
          throw new ConfigException("--namespace: '" + pair + "' in '" + spec
              + "' is not key=value");
        }
        labels.put(pair.substring(0, split), pair.substring(split + 1));
      }
    }
    return new KnownNamespace(name, labels);
  }

  private List<JsonNode> objects(Path file) throws ConfigException {
    List<JsonNode> objects = new ArrayList<>();
    try (MappingIterator<JsonNode> documents =
        yaml.readerFor(JsonNode.class).readValues(Files.readAllBytes(file))) {
      while (documents.hasNextValue()) {
        JsonNode document = documents.nextValue();
        if (document == null || document.isNull() || document.isEmpty()) {
          continue;
        }
        if (!document.isObject()) {
          throw new ConfigException(file + ": a document is not a Kubernetes object");
        }
        objects.add(document);
      }
    } catch (NoSuchFileException e) {
      throw new ConfigException(file + ": no such file");
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot read: " + oneLine(e.getMessage()));
    } catch (JacksonException e) {
      throw new ConfigException(file + (e.getLocation() == null ? "" : ":"
          + e.getLocation().getLineNr()) + ": not valid YAML: "
          + oneLine(e.getOriginalMessage()));
    }
    return objects;
  }

  /**
   * The YAML parser's messages span lines: what it was doing and what it found, each followed by
   * an indented position and a snippet with a caret. The command's errors are one line each, and
   * the line number is already in front, so only the unindented lines stay.
   */
  static String oneLine(String message) {
    if (message == null) {
      return "";
    }
    String joined = message.lines().filter(line -> !line.isBlank() && !line.startsWith(" "))
        .map(String::strip).collect(Collectors.joining("; "));
    return joined.isEmpty() ? message.strip().replaceAll("\\s+", " ") : joined;
  }

  private static AdmissionRequest request(Path file, int index, JsonNode object)
      throws ConfigException {
    String apiVersion = object.path("apiVersion").asString("");
    String kind = object.path("kind").asString("");
    if (apiVersion.isEmpty() || kind.isEmpty()) {
      throw new ConfigException(file + " [" + index + "]: apiVersion and kind are required");
    }
    int slash = apiVersion.indexOf('/');
    GroupVersionKind gvk = slash < 0
        ? new GroupVersionKind("", apiVersion, kind)
        : new GroupVersionKind(apiVersion.substring(0, slash), apiVersion.substring(slash + 1), kind);
    JsonNode metadata = object.path("metadata");
    return new AdmissionRequest("check-" + index, gvk, null,
        metadata.path("name").asString(null), metadata.path("namespace").asString(null),
        Operation.CREATE, new AdmissionRequest.UserInfo("check", List.of()), object, null, true);
  }
}
