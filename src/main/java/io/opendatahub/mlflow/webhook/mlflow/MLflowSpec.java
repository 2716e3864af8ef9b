package io.opendatahub.mlflow.webhook.mlflow;

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

  /** The operator's artifact default and SQLite fallback, parsed once for every review. */
  private static final Location IMPLICIT_ARTIFACTS_DESTINATION = new Location(
      "artifactsDestination", new StoreUri(OPERATOR_ARTIFACTS_DESTINATION), true);
  private static final Location FALLBACK_STORE = new Location("backendStoreUri",
      new StoreUri(MLflowResource.OPERATOR_FALLBACK_STORE), true);

  private final JsonNode spec;
  // Read once per review: a URI or an env list may be megabytes, and most rules ask for them.
  // Each URI is parsed once and its StoreUri shared by every rule that reads it. The lists are
  // not copied: the rules only read them.
  private List<Location> metadataStores;
  private List<Location> artifactLocations;
  private List<Location> traceArchivalLocations;
  private List<Location> fileBasedLocations;
  private List<EnvVariable> env;
  private List<EnvFromPrefix> envFromPrefixes;

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
      metadataStores = locations(METADATA_FIELDS, null);
    }
    return metadataStores;
  }

  /** Artifact locations, with the operator's file default when artifacts are served from it. */
  List<Location> artifactLocations() {
    if (artifactLocations == null) {
      artifactLocations = locations(ARTIFACT_FIELDS,
          serveArtifacts() && !isString("artifactsDestination")
              ? IMPLICIT_ARTIFACTS_DESTINATION : null);
    }
    return artifactLocations;
  }

  /**
   * The parsed URI of a metadata or artifact field as written, or null when it is not a
   * non-blank string: the URI the location rules read, not parsed again.
   */
  StoreUri writtenUri(String field) {
    StoreUri uri = written(metadataStores(), field);
    return uri != null ? uri : written(artifactLocations(), field);
  }

  private static StoreUri written(List<Location> locations, String field) {
    for (Location location : locations) {
      if (!location.implicit() && location.field().equals(field)) {
        return location.uri();
      }
    }
    return null;
  }

  boolean usesSqlite() {
    if (usesFallbackStore()) {
      return true;
    }
    for (Location store : metadataStores()) {
      if (store.uri().schemeFamily().equals("sqlite")) {
        return true;
      }
    }
    return false;
  }

  /** Every location that keeps data on the pod's volume, including implicit ones. */
  List<Location> fileBasedLocations() {
    if (fileBasedLocations == null) {
      List<Location> onVolume = addFileBased(List.of(), metadataStores());
      if (usesFallbackStore()) {
        onVolume = add(onVolume, FALLBACK_STORE);
      }
      onVolume = addFileBased(onVolume, artifactLocations());
      fileBasedLocations = addFileBased(onVolume, traceArchivalLocations());
    }
    return fileBasedLocations;
  }

  private static List<Location> addFileBased(List<Location> onVolume, List<Location> locations) {
    for (Location location : locations) {
      if (location.uri().isFileBased()) {
        onVolume = add(onVolume, location);
      }
    }
    return onVolume;
  }

  /** {@code list} with {@code location} added: a new list in place of the shared empty one. */
  private static List<Location> add(List<Location> list, Location location) {
    List<Location> more = list.isEmpty() ? new ArrayList<>(4) : list;
    more.add(location);
    return more;
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

  /**
   * The path below {@code spec} of every URI field that holds a blank string (empty or only
   * whitespace): metadata fields, then artifact fields, then the trace archival location.
   */
  List<String> blankUriFields() {
    List<String> fields = List.of();
    for (String field : METADATA_FIELDS) {
      fields = addIfBlank(fields, field, spec.get(field));
    }
    for (String field : ARTIFACT_FIELDS) {
      fields = addIfBlank(fields, field, spec.get(field));
    }
    return addIfBlank(fields, TRACE_ARCHIVAL_LOCATION, spec.path("traceArchival").get("location"));
  }

  private static List<String> addIfBlank(List<String> fields, String field, JsonNode node) {
    if (node == null || !node.isString() || !node.stringValue().isBlank()) {
      return fields;
    }
    List<String> more = fields.isEmpty() ? new ArrayList<>(2) : fields;
    more.add(field);
    return more;
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
    if (envFromPrefixes == null) {
      envFromPrefixes = EnvFromPrefix.of(spec);
    }
    return envFromPrefixes;
  }

  /** What identifies the backend database: the URI without credentials, or the Secret key. */
  String backendIdentity() {
    StoreUri uri = writtenUri("backendStoreUri");
    if (uri != null) {
      return uri.withoutCredentials();
    }
    JsonNode from = spec.get("backendStoreUriFrom");
    if (from != null && from.isObject()) {
      return "Secret " + from.path("name").asString("") + " key " + from.path("key").asString("");
    }
    return MLflowResource.OPERATOR_FALLBACK_STORE;
  }

  /** The fields written as non-blank strings, parsed, after {@code first} when there is one. */
  private List<Location> locations(List<String> fields, Location first) {
    List<Location> locations = first == null ? null : new ArrayList<>(fields.size() + 1);
    if (first != null) {
      locations.add(first);
    }
    for (String field : fields) {
      String value = text(field);
      if (value != null) {
        if (locations == null) {
          locations = new ArrayList<>(fields.size());
        }
        locations.add(new Location(field, new StoreUri(value), false));
      }
    }
    return locations == null ? List.of() : locations;
  }
}
