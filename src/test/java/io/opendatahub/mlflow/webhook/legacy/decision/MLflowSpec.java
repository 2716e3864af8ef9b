package io.opendatahub.mlflow.webhook.legacy.decision;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Read-only view of an MLflow CR's {@code spec} as the operator will act on it: unset fields
 * read as the operator's defaults, so the rules judge what will really run.
 */
final class MLflowSpec {

  /** The operator's PVC size when {@code storage} gives none. */
  static final String OPERATOR_STORAGE_SIZE = "2Gi";
  /** The operator's access mode when {@code storage.accessModes} is empty. */
  static final String OPERATOR_ACCESS_MODE = "ReadWriteOnce";
  /** Where served artifacts go when {@code artifactsDestination} is unset. */
  static final String OPERATOR_ARTIFACTS_DESTINATION = "file:///mlflow/artifacts";

  static final List<String> METADATA_FIELDS =
      List.of("backendStoreUri", "registryStoreUri", "readReplicaBackendStoreUri");
  static final List<String> ARTIFACT_FIELDS = List.of("artifactsDestination", "defaultArtifactRoot");
  /** Where trace archival moves span payloads: an artifact repository URI. */
  static final String TRACE_ARCHIVAL_LOCATION = "traceArchival.location";

  private final JsonNode spec;
  // Read once per review: a URI or an env list may be megabytes, and most rules ask for them.
  private List<Location> metadataStores;
  private List<Location> artifactLocations;
  private List<Location> traceArchivalLocations;
  private List<EnvVariable> env;

  MLflowSpec(JsonNode spec) {
    this.spec = spec;
  }

  /** A location field's value; {@code implicit} when the operator's default stands in for it. */
  record Location(String field, StoreUri uri, boolean implicit) {
    String path() {
      return "spec." + field;
    }
  }

  String text(String field) {
    return MLflowResource.text(spec, field);
  }

  boolean present(String field) {
    return MLflowResource.present(spec, field);
  }

  int replicas() {
    JsonNode replicas = spec.get("replicas");
    return replicas != null && replicas.isIntegralNumber() ? replicas.intValue() : 1;
  }

  boolean serveArtifacts() {
    JsonNode serve = spec.get("serveArtifacts");
    return serve != null && serve.isBoolean() && serve.booleanValue();
  }

  boolean hasStorage() {
    JsonNode storage = spec.get("storage");
    return storage != null && storage.isObject();
  }

  /** {@code storage.resources.requests.storage} as written (string or number), or null. */
  String requestedSize() {
    JsonNode size = spec.path("storage").path("resources").path("requests").path("storage");
    if (size.isString()) {
      return size.stringValue();
    }
    return size.isNumber() ? size.asString() : null;
  }

  String effectiveSize() {
    String requested = requestedSize();
    return requested == null ? OPERATOR_STORAGE_SIZE : requested;
  }

  /** The operator uses only the first access mode. */
  String accessMode() {
    JsonNode modes = spec.path("storage").path("accessModes");
    if (modes.isArray() && !modes.isEmpty() && modes.get(0).isString()) {
      return modes.get(0).stringValue();
    }
    return OPERATOR_ACCESS_MODE;
  }

  /** {@code storage.storageClassName}, {@code ""} when unset (the cluster's default class). */
  String storageClassName() {
    JsonNode name = spec.path("storage").path("storageClassName");
    return name.isString() ? name.stringValue() : "";
  }

  /**
   * Neither backend field is set: RHOAI 3.2/3.3 operators fall back to SQLite on the volume. An
   * empty {@code backendStoreUri} is set (the operator passes it on as is), not a fallback.
   */
  boolean usesFallbackStore() {
    return !isString("backendStoreUri") && !present("backendStoreUriFrom");
  }

  /** Whether {@code field} holds a string, empty or not. */
  boolean isString(String field) {
    JsonNode node = spec.get(field);
    return node != null && node.isString();
  }

  /** The node at {@code field}, or null when absent or null. */
  JsonNode node(String field) {
    JsonNode node = spec.get(field);
    return node == null || node.isNull() ? null : node;
  }

  List<Location> metadataStores() {
    if (metadataStores == null) {
      metadataStores = locations(METADATA_FIELDS);
    }
    return metadataStores;
  }

  /** Artifact locations, with the operator's file default when artifacts are served from it. */
  List<Location> artifactLocations() {
    if (artifactLocations == null) {
      List<Location> locations = new ArrayList<>(locations(ARTIFACT_FIELDS));
      if (serveArtifacts() && !isString("artifactsDestination")) {
        locations.add(0, new Location("artifactsDestination",
            new StoreUri(OPERATOR_ARTIFACTS_DESTINATION), true));
      }
      artifactLocations = List.copyOf(locations);
    }
    return artifactLocations;
  }

  boolean usesSqlite() {
    return usesFallbackStore()
        || metadataStores().stream().anyMatch(l -> l.uri().schemeFamily().equals("sqlite"));
  }

  /** Every location that keeps data on the pod's volume, including implicit ones. */
  List<Location> fileBasedLocations() {
    List<Location> all = new ArrayList<>(metadataStores());
    if (usesFallbackStore()) {
      all.add(new Location("backendStoreUri",
          new StoreUri(MLflowResource.OPERATOR_FALLBACK_STORE), true));
    }
    all.addAll(artifactLocations());
    all.addAll(traceArchivalLocations());
    return all.stream().filter(l -> l.uri().isFileBased()).toList();
  }

  /**
   * {@code traceArchival.location} when archival is enabled; the operator renders nothing from
   * it otherwise.
   */
  List<Location> traceArchivalLocations() {
    if (traceArchivalLocations == null) {
      traceArchivalLocations = readTraceArchivalLocations();
    }
    return traceArchivalLocations;
  }

  private List<Location> readTraceArchivalLocations() {
    JsonNode archival = spec.path("traceArchival");
    JsonNode enabled = archival.path("enabled");
    String location = archival.isObject() ? MLflowResource.text(archival, "location") : null;
    if (location == null || !enabled.isBoolean() || !enabled.booleanValue()) {
      return List.of();
    }
    return List.of(new Location(TRACE_ARCHIVAL_LOCATION, new StoreUri(location), false));
  }

  /** Every URI field written as a string, even empty, by its path below {@code spec}. */
  List<String> writtenUriFields() {
    List<String> fields = new ArrayList<>();
    for (String field : METADATA_FIELDS) {
      addIfString(fields, field, spec.get(field));
    }
    for (String field : ARTIFACT_FIELDS) {
      addIfString(fields, field, spec.get(field));
    }
    addIfString(fields, TRACE_ARCHIVAL_LOCATION, spec.path("traceArchival").get("location"));
    return fields;
  }

  /** The string at a path from {@link #writtenUriFields()}. */
  String uriField(String field) {
    JsonNode node = field.equals(TRACE_ARCHIVAL_LOCATION)
        ? spec.path("traceArchival").path("location") : spec.path(field);
    return node.isString() ? node.stringValue() : null;
  }

  private static void addIfString(List<String> fields, String field, JsonNode node) {
    if (node != null && node.isString()) {
      fields.add(field);
    }
  }

  /** {@code env[]} entries that have a name. */
  List<EnvVariable> env() {
    if (env == null) {
      env = EnvVariable.of(spec);
    }
    return env;
  }

  /** The {@code envFrom[]} entries that set a non-empty prefix. */
  List<EnvFromPrefix> envFromPrefixes() {
    return EnvFromPrefix.of(spec);
  }

  /** What identifies the backend database: the URI without credentials, or the Secret key. */
  String backendIdentity() {
    String uri = text("backendStoreUri");
    if (uri != null) {
      return new StoreUri(uri).withoutCredentials();
    }
    JsonNode from = spec.get("backendStoreUriFrom");
    if (from != null && from.isObject()) {
      return "Secret " + from.path("name").asString("") + " key " + from.path("key").asString("");
    }
    return MLflowResource.OPERATOR_FALLBACK_STORE;
  }

  private List<Location> locations(List<String> fields) {
    List<Location> locations = new ArrayList<>();
    for (String field : fields) {
      String value = text(field);
      if (value != null) {
        locations.add(new Location(field, new StoreUri(value), false));
      }
    }
    return List.copyOf(locations);
  }
}
