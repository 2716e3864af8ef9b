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

  private final JsonNode spec;

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

  /** Neither backend field is set: RHOAI 3.2/3.3 operators fall back to SQLite on the volume. */
  boolean usesFallbackStore() {
    return text("backendStoreUri") == null && !present("backendStoreUriFrom");
  }

  List<Location> metadataStores() {
    return locations(METADATA_FIELDS);
  }

  /** Artifact locations, with the operator's file default when artifacts are served from it. */
  List<Location> artifactLocations() {
    List<Location> locations = new ArrayList<>(locations(ARTIFACT_FIELDS));
    if (serveArtifacts() && text("artifactsDestination") == null) {
      locations.add(0, new Location("artifactsDestination",
          new StoreUri(OPERATOR_ARTIFACTS_DESTINATION), true));
    }
    return locations;
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
    return all.stream().filter(l -> l.uri().isFileBased()).toList();
  }

  /** {@code env[].name} values. */
  List<String> environmentVariables() {
    List<String> names = new ArrayList<>();
    JsonNode env = spec.get("env");
    if (env != null && env.isArray()) {
      for (JsonNode variable : env) {
        JsonNode name = variable.get("name");
        if (name != null && name.isString()) {
          names.add(name.stringValue());
        }
      }
    }
    return names;
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
    return locations;
  }
}
