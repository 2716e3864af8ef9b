package io.opendatahub.mlflow.webhook.kube;

import io.opendatahub.mlflow.webhook.audit.ReportApi;
import io.opendatahub.mlflow.webhook.audit.ReportKey;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The policy-report objects on the API server, as the report writer needs them. Calls block:
 * only the writer's worker thread makes them. A failed call throws
 * {@link io.fabric8.kubernetes.client.KubernetesClientException} (409: someone else wrote it).
 */
interface ReportStore {

  /** The report APIs the API server serves now (both kinds of each), by discovery. */
  Set<ReportApi> served();

  /** Every report of {@code api}, both kinds, all namespaces, that this service manages. */
  List<JsonNode> listManaged(ReportApi api);

  Optional<JsonNode> get(ReportApi api, ReportKey key);

  /** Stores a new report; what the API server stored. */
  JsonNode create(ReportApi api, ObjectNode report);

  /** Replaces a report whose {@code resourceVersion} the object carries; what was stored. */
  JsonNode update(ReportApi api, ObjectNode report);

  /** Deletes a report; a report already gone is no failure. */
  void delete(ReportApi api, ReportKey key);
}
