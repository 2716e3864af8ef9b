package io.opendatahub.mlflow.webhook.kube;

import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.opendatahub.mlflow.webhook.audit.PolicyReports;
import io.opendatahub.mlflow.webhook.audit.ReportApi;
import io.opendatahub.mlflow.webhook.audit.ReportKey;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** {@link ReportStore} through fabric8's generic resources (no generated model classes). */
final class KubeReportStore implements ReportStore {

  /** What the writer needs of a stored report's metadata. */
  private static final Set<String> KEPT_METADATA = Set.of("name", "namespace",
      "resourceVersion", "labels", "annotations", "ownerReferences");

  private final KubernetesClient client;
  /** Lists of every report may take longer than a write may wait. */
  private final KubernetesClient lists;

  KubeReportStore(KubernetesClient client) {
    this.client = client;
    this.lists = KubeConnection.forInformers(client);
  }

  /**
   * An API counts as served when discovery lists both of its kinds: a cluster with only one of
   * the two CRDs installed cannot hold every report, and half the reports in one API and half in
   * another would mislead whoever reads them.
   */
  @Override
  public Set<ReportApi> served() {
    Set<ReportApi> served = EnumSet.noneOf(ReportApi.class);
    for (ReportApi api : ReportApi.values()) {
      APIResourceList resources = client.getApiResources(api.apiVersion());
      if (resources == null || resources.getResources() == null) {
        continue;
      }
      Set<String> kinds = resources.getResources().stream().map(APIResource::getKind)
          .collect(Collectors.toSet());
      if (kinds.contains(api.namespacedKind()) && kinds.contains(api.clusterKind())) {
        served.add(api);
      }
    }
    return served;
  }

  @Override
  public List<JsonNode> listManaged(ReportApi api) {
    List<JsonNode> reports = new ArrayList<>();
    lists.genericKubernetesResources(context(api, false))
        .withLabel(PolicyReports.MANAGED_BY_LABEL, PolicyReports.MANAGED_BY).list().getItems()
        .forEach(report -> reports.add(json(api, api.clusterKind(), report)));
    lists.genericKubernetesResources(context(api, true)).inAnyNamespace()
        .withLabel(PolicyReports.MANAGED_BY_LABEL, PolicyReports.MANAGED_BY).list().getItems()
        .forEach(report -> reports.add(json(api, api.namespacedKind(), report)));
    return reports;
  }

  @Override
  public Optional<JsonNode> get(ReportApi api, ReportKey key) {
    GenericKubernetesResource report = resource(api, key).get();
    return Optional.ofNullable(report).map(r -> json(api, key.kind(), r));
  }

  @Override
  public JsonNode create(ReportApi api, ObjectNode report) {
    ReportKey key = ReportKey.of(report);
    return json(api, key.kind(), operation(api, key).resource(object(report)).create());
  }

  @Override
  public JsonNode update(ReportApi api, ObjectNode report) {
    ReportKey key = ReportKey.of(report);
    return json(api, key.kind(), operation(api, key).resource(object(report)).update());
  }

  @Override
  public void delete(ReportApi api, ReportKey key) {
    resource(api, key).delete();
  }

  private Resource<GenericKubernetesResource> resource(ReportApi api, ReportKey key) {
    return operation(api, key).withName(key.name());
  }

  private NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList,
      Resource<GenericKubernetesResource>> operation(ReportApi api, ReportKey key) {
    return key.clusterScoped() ? client.genericKubernetesResources(context(api, false))
        : client.genericKubernetesResources(context(api, true)).inNamespace(key.namespace());
  }

  static ResourceDefinitionContext context(ReportApi api, boolean namespaced) {
    return new ResourceDefinitionContext.Builder().withGroup(api.group())
        .withVersion(api.version())
        .withKind(namespaced ? api.namespacedKind() : api.clusterKind())
        .withPlural(namespaced ? api.namespacedPlural() : api.clusterPlural())
        .withNamespaced(namespaced).build();
  }

  private GenericKubernetesResource object(ObjectNode report) {
    return client.getKubernetesSerialization().convertValue(report,
        GenericKubernetesResource.class);
  }

  /**
   * What the writer keeps of a stored report: list items may come without apiVersion and kind
   * (the comparison needs them); the fields the API server adds to metadata (managedFields,
   * often larger than the report) are dropped, so memory grows with the reports' content only.
   */
  private JsonNode json(ReportApi api, String kind, GenericKubernetesResource report) {
    ObjectNode json = ClusterListing.json(client, report, api.apiVersion(), kind);
    if (json.get("metadata") instanceof ObjectNode metadata) {
      metadata.retain(KEPT_METADATA);
    }
    return json;
  }
}
