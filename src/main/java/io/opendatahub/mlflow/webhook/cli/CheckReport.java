package io.opendatahub.mlflow.webhook.cli;

import io.opendatahub.mlflow.webhook.admission.AdmissionRequest;
import io.opendatahub.mlflow.webhook.admission.AdmissionResponse;
import io.opendatahub.mlflow.webhook.admission.AdmissionService.Simulation;
import io.opendatahub.mlflow.webhook.admission.Finding;
import io.opendatahub.mlflow.webhook.policy.Policy;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The {@code check} command's output, for a person (text) or a script (JSON). */
final class CheckReport {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  /**
   * One checked object.
   *
   * @param file the manifest it came from, or null for an object read from a cluster
   */
  record Result(Path file, int index, AdmissionRequest request, Simulation simulation) {

    /** Where the object is: its file and place in it, or its namespace on the cluster. */
    String origin() {
      if (file != null) {
        return file + " [" + index + "]";
      }
      return request.namespace() == null ? "cluster-scoped" : "namespace " + request.namespace();
    }

    AdmissionResponse validation() {
      return simulation.validation();
    }

    String verdict() {
      if (!simulation.handled()) {
        return "NOT CHECKED";
      }
      return validation().allowed() ? "ADMITTED" : "DENIED";
    }

    String object() {
      return request.kind().kind() + "/" + (request.name() == null ? "(no name)" : request.name());
    }
  }

  private final Policy policy;
  private final List<String> assumedNamespaces;
  private final List<Result> results;

  /**
   * @param assumedNamespaces namespaces assumed to exist because the policy names them (no
   *     {@code --namespace} given); empty when the command line defined the namespaces
   */
  CheckReport(Policy policy, List<String> assumedNamespaces, List<Result> results) {
    this.policy = policy;
    this.assumedNamespaces = List.copyOf(assumedNamespaces);
    this.results = results;
  }

  boolean anyDenied() {
    return results.stream().anyMatch(r -> !r.validation().allowed());
  }

  String text() {
    StringBuilder out = new StringBuilder();
    out.append("policy '").append(policy.name()).append("' from ").append(policy.source())
        .append(" (sha256 ").append(policy.hash(), 0, 12).append("), environments ")
        .append(String.join(", ", policy.environmentNames())).append("\n");
    if (!assumedNamespaces.isEmpty()) {
      out.append("namespaces assumed to exist (named in the policy): ")
          .append(String.join(", ", assumedNamespaces))
          .append("; a CR without spec.workspaceLabelSelector serves them all."
              + " Give --namespace NAME=key=value,... to define the cluster's namespaces.\n");
    }
    for (Result result : results) {
      out.append("\n").append(result.origin()).append(" ").append(result.object()).append(": ")
          .append(result.verdict()).append("\n");
      if (!result.simulation().handled()) {
        out.append("  no rules for ").append(result.request().kind()).append("\n");
        continue;
      }
      for (Finding finding : result.validation().findings()) {
        out.append(String.format("  %-5s %-24s %s%n", finding.outcome(), finding.rule(),
            finding.describe()));
      }
      ArrayNode patch = result.simulation().mutation().patch();
      if (patch != null && !patch.isEmpty()) {
        out.append("  /mutate would patch (the verdict above is for the patched object):\n");
        for (JsonNode operation : patch) {
          out.append("    ").append(operation.path("op").asString()).append(' ')
              .append(operation.path("path").asString());
          if (operation.has("value")) {
            out.append(" = ").append(JSON.writeValueAsString(operation.get("value")));
          }
          out.append("\n");
        }
      }
      if (result.validation().findings().isEmpty() && (patch == null || patch.isEmpty())) {
        out.append("  no findings\n");
      }
    }
    long denied = results.stream().filter(r -> !r.validation().allowed()).count();
    out.append("\n").append(results.size()).append(results.size() == 1 ? " object: " : " objects: ")
        .append(results.size() - denied).append(" admitted, ").append(denied).append(" denied\n");
    return out.toString();
  }

  String json() {
    ObjectNode root = JSON.createObjectNode();
    root.putObject("policy").put("name", policy.name()).put("source", policy.source())
        .put("hash", policy.hash());
    ArrayNode assumed = root.putArray("assumedNamespaces");
    assumedNamespaces.forEach(assumed::add);
    ArrayNode list = root.putArray("results");
    for (Result result : results) {
      ObjectNode item = list.addObject();
      if (result.file() != null) {
        item.put("file", result.file().toString());
        item.put("index", result.index());
      } else {
        item.put("namespace", result.request().namespace());
      }
      item.put("kind", result.request().kind().kind());
      item.put("name", result.request().name());
      item.put("checked", result.simulation().handled());
      item.put("allowed", result.validation().allowed());
      ArrayNode findings = item.putArray("findings");
      for (Finding finding : result.validation().findings()) {
        findings.addObject().put("rule", finding.rule()).put("action", finding.outcome())
            .put("field", finding.field()).put("message", finding.message());
      }
      ArrayNode warnings = item.putArray("warnings");
      result.validation().warnings().forEach(warnings::add);
      ObjectNode audit = item.putObject("auditAnnotations");
      for (Map.Entry<String, String> entry : result.validation().auditAnnotations().entrySet()) {
        audit.put(entry.getKey(), entry.getValue());
      }
      ArrayNode patch = result.simulation().mutation().patch();
      item.set("patch", patch == null ? JSON.createArrayNode() : patch);
    }
    long denied = results.stream().filter(r -> !r.validation().allowed()).count();
    root.putObject("summary").put("objects", results.size())
        .put("admitted", results.size() - denied).put("denied", denied);
    return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
  }
}
