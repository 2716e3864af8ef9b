package io.opendatahub.mlflow.webhook.audit;

import io.opendatahub.mlflow.webhook.audit.AuditResult.Status;
import io.opendatahub.mlflow.webhook.mlflow.Excerpt;
import java.time.Instant;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Builds the policy report of one audited object, as Kyverno (1.11 and later) keeps them: one
 * report per object, named by the object's uid, in the object's namespace (a cluster report for
 * a cluster-scoped object), {@code scope} naming the object, owned by it so garbage collection
 * removes the report with the object. Pure: the time is handed in.
 *
 * <p>Size: at most {@link #MAX_RESULTS} results of at most {@link #MAX_MESSAGE} characters each.
 * A message is at most 6 KiB of JSON even if every character needed a {@code \\uXXXX} escape,
 * the other fields of a result are bounded names (well under 1 KiB), so a report stays under
 * about 700 KiB: below etcd's default 1.5 MiB request limit and the API server's 3 MiB body
 * limit, which Kyverno's per-namespace reports ran into. A real one is a few KiB.
 */
public final class PolicyReports {

  /** The producer, in every result and (openreports.io) in the report. */
  public static final String SOURCE = "mlflow-policy-webhook";
  public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
  public static final String MANAGED_BY = "mlflow-policy-webhook";
  /** Set when results were left out of a report to bound its size: how many. */
  public static final String OMITTED_ANNOTATION = "policy.mlflow-webhook.io/omitted-results";
  /** What Policy Reporter groups results by (it shows "Other" when none is given). */
  static final String CATEGORY = "MLflow";

  static final int MAX_RESULTS = 100;
  static final int MAX_MESSAGE = 1024;

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  /** Numbers compare by value: a stored report's counts may read back as another int type. */
  private static final Comparator<JsonNode> BY_VALUE = (a, b) -> a.isNumber() && b.isNumber()
      ? a.decimalValue().compareTo(b.decimalValue()) : a.equals(b) ? 0 : 1;

  private static final Map<String, String> API_VERSIONS = Map.of(
      Auditor.MLFLOW.kind(), Auditor.MLFLOW.group() + "/" + Auditor.MLFLOW.version(),
      Auditor.ROLE_BINDING.kind(),
      Auditor.ROLE_BINDING.group() + "/" + Auditor.ROLE_BINDING.version());

  private PolicyReports() {}

  /**
   * The report of every object that has a uid (an object without one cannot own a report; the
   * API server always gives one), by key.
   */
  public static Map<ReportKey, ObjectNode> desired(ReportApi api, List<AuditedObject> objects,
      String policy, Instant now) {
    Map<ReportKey, ObjectNode> reports = new LinkedHashMap<>();
    for (AuditedObject object : objects) {
      if (object.uid() != null && !object.uid().isEmpty()
          && API_VERSIONS.containsKey(object.kind())) {
        ObjectNode report = build(api, object, policy, now);
        reports.put(ReportKey.of(report), report);
      }
    }
    return reports;
  }

  /** The whole report object of {@code object}, judged by the policy named {@code policy}. */
  public static ObjectNode build(ReportApi api, AuditedObject object, String policy,
      Instant now) {
    ObjectNode scope = JSON.objectNode().put("apiVersion", API_VERSIONS.get(object.kind()))
        .put("kind", object.kind()).put("name", object.name());
    boolean namespaced = object.namespace() != null && !object.namespace().isEmpty();
    if (namespaced) {
      scope.put("namespace", object.namespace());
    }
    scope.put("uid", object.uid());

    ObjectNode report = JSON.objectNode().put("apiVersion", api.apiVersion())
        .put("kind", api.kindFor(object.namespace()));
    ObjectNode metadata = report.putObject("metadata").put("name", object.uid());
    if (namespaced) {
      metadata.put("namespace", object.namespace());
    }
    metadata.putObject("labels").put(MANAGED_BY_LABEL, MANAGED_BY);
    List<AuditResult> kept = object.results().stream()
        .sorted(Comparator.comparingInt(r -> rank(r.result()))).limit(MAX_RESULTS).toList();
    int omitted = object.results().size() - kept.size();
    if (omitted > 0) {
      metadata.putObject("annotations").put(OMITTED_ANNOTATION, Integer.toString(omitted));
    }
    metadata.putArray("ownerReferences").addObject()
        .put("apiVersion", scope.path("apiVersion").asString()).put("kind", object.kind())
        .put("name", object.name()).put("uid", object.uid());
    if (api.reportSource()) {
      report.put("source", SOURCE);
    }
    report.set("scope", scope);
    report.set("summary", summary(kept));
    ArrayNode results = report.putArray("results");
    for (AuditResult result : kept) {
      ObjectNode entry = results.addObject().put("source", SOURCE).put("policy", policy)
          .put("rule", result.rule()).put("category", CATEGORY)
          .put("result", result.result().wireName())
          .put("severity", result.severity().wireName())
          .put("message", capped(result.message())).put("scored", true);
      entry.putObject("timestamp").put("seconds", now.getEpochSecond())
          .put("nanos", now.getNano());
    }
    return report;
  }

  /** Fails first, then warnings, then passes: what is cut to bound the size matters least. */
  private static int rank(Status status) {
    return switch (status) {
      case FAIL -> 0;
      case WARN -> 1;
      case PASS -> 2;
    };
  }

  /** Counts of the results the report holds, as Kyverno recomputes them on every write. */
  private static ObjectNode summary(List<AuditResult> results) {
    Map<Status, Integer> counts = new EnumMap<>(Status.class);
    results.forEach(r -> counts.merge(r.result(), 1, Integer::sum));
    return JSON.objectNode().put("pass", counts.getOrDefault(Status.PASS, 0))
        .put("fail", counts.getOrDefault(Status.FAIL, 0))
        .put("warn", counts.getOrDefault(Status.WARN, 0)).put("error", 0).put("skip", 0);
  }

  /** At most {@link #MAX_MESSAGE} characters, never splitting a surrogate pair. */
  static String capped(String message) {
    return message == null ? "" : Excerpt.within(message, MAX_MESSAGE);
  }

  /**
   * {@code desired} with the timestamp of every result {@code existing} already holds unchanged:
   * a result's time is when it was first found as it is, so an unchanged result never makes a
   * report differ, and a report that changed keeps the times of its other results.
   */
  public static ObjectNode keepTimestamps(ObjectNode desired, JsonNode existing) {
    ObjectNode merged = desired.deepCopy();
    for (JsonNode result : merged.path("results")) {
      JsonNode same = find(existing.path("results"), withoutTimestamp(result));
      if (same != null && same.has("timestamp")) {
        ((ObjectNode) result).set("timestamp", same.get("timestamp").deepCopy());
      }
    }
    return merged;
  }

  private static JsonNode find(JsonNode results, JsonNode wanted) {
    for (JsonNode result : results) {
      if (withoutTimestamp(result).equals(BY_VALUE, wanted)) {
        return result;
      }
    }
    return null;
  }

  /**
   * Whether {@code stored} already says what {@code desired} says: the same kind, name, our
   * label and annotation, owner, scope, source, summary and results, timestamps aside. Fields
   * the API server adds (uid, resourceVersion, managedFields) and labels others add do not count.
   */
  public static boolean sameContent(JsonNode desired, JsonNode stored) {
    return content(desired).equals(BY_VALUE, content(stored));
  }

  private static ObjectNode content(JsonNode report) {
    ObjectNode content = JSON.objectNode();
    report.properties().forEach(field -> {
      if (!field.getKey().equals("metadata") && !field.getKey().equals("results")) {
        content.set(field.getKey(), field.getValue());
      }
    });
    JsonNode metadata = report.path("metadata");
    ObjectNode ours = content.putObject("metadata");
    ours.put("name", metadata.path("name").asString(""))
        .put("namespace", metadata.path("namespace").asString(""))
        .put("managedBy", metadata.path("labels").path(MANAGED_BY_LABEL).asString(""))
        .put("omitted", metadata.path("annotations").path(OMITTED_ANNOTATION).asString(""));
    ArrayNode owners = ours.putArray("ownerReferences");
    for (JsonNode owner : metadata.path("ownerReferences")) {
      owners.addObject().put("apiVersion", owner.path("apiVersion").asString(""))
          .put("kind", owner.path("kind").asString(""))
          .put("name", owner.path("name").asString(""))
          .put("uid", owner.path("uid").asString(""));
    }
    ArrayNode results = content.putArray("results");
    report.path("results").forEach(result -> results.add(withoutTimestamp(result)));
    return content;
  }

  private static JsonNode withoutTimestamp(JsonNode result) {
    if (!result.isObject()) {
      return result;
    }
    ObjectNode copy = ((ObjectNode) result).deepCopy();
    copy.remove("timestamp");
    return copy;
  }
}
