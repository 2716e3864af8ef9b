package io.opendatahub.mlflow.webhook.mlflow;

import io.opendatahub.mlflow.webhook.mlflow.MLflowSpec.Location;
import io.opendatahub.mlflow.webhook.policy.MLflowRule;
import io.opendatahub.mlflow.webhook.policy.StorageRules;
import java.math.BigDecimal;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The tracking server's volume: present whenever data lives on the pod's filesystem, sized
 * within the environment's limits, of an allowed class, and never shared in a way that breaks
 * (several pods on one SQLite file, or on a volume only one node can mount).
 */
final class VolumeRules {

  private static final Set<String> SINGLE_NODE_MODES = Set.of("ReadWriteOnce", "ReadWriteOncePod");

  private VolumeRules() {}

  static void check(MLflowSpec spec, RuleFindings findings) {
    List<Location> onVolume = spec.fileBasedLocations();
    if (!spec.hasStorage() && !onVolume.isEmpty()) {
      findings.add(MLflowRule.STORAGE_REQUIRED, "spec.storage", describe(onVolume)
          + " on the pod's filesystem, but spec.storage is not set, so the data is lost whenever"
          + " the pod restarts. Add spec.storage (a PersistentVolumeClaim spec) or use remote"
          + " stores.");
    }
    if (spec.hasStorage()) {
      checkSize(spec, findings);
      checkClass(spec, findings);
    }
    checkReplicas(spec, findings);
  }

  private static void checkSize(MLflowSpec spec, RuleFindings findings) {
    StorageRules limits = findings.rules().storage();
    String field = "spec.storage.resources.requests.storage";
    BigDecimal size = bytes(spec.effectiveSize());
    if (size == null) {
      findings.add(MLflowRule.STORAGE_SIZE, field, "'" + spec.effectiveSize()
          + "' is not a Kubernetes quantity; write e.g. 10Gi.");
      return;
    }
    String shown = spec.requestedSize() == null
        ? "unset, so the operator requests " + MLflowSpec.OPERATOR_STORAGE_SIZE + ", which is"
        : "'" + spec.requestedSize() + "' is";
    if (limits.minSize() != null && size.compareTo(bytes(limits.minSize())) < 0) {
      findings.add(MLflowRule.STORAGE_SIZE, field, shown + " below the minimum of "
          + limits.minSize() + " in " + findings.environment() + ". Request at least "
          + limits.minSize() + ".");
    }
    if (limits.maxSize() != null && size.compareTo(bytes(limits.maxSize())) > 0) {
      findings.add(MLflowRule.STORAGE_SIZE, field, shown + " above the maximum of "
          + limits.maxSize() + " in " + findings.environment() + ". Request at most "
          + limits.maxSize() + ".");
    }
  }

  private static void checkClass(MLflowSpec spec, RuleFindings findings) {
    List<String> classes = findings.rules().storage().storageClassNames();
    String name = spec.storageClassName();
    if (classes.isEmpty() || classes.contains(name)) {
      return;
    }
    String shown = name.isEmpty() ? "unset (the cluster's default class)" : "'" + name + "'";
    findings.add(MLflowRule.STORAGE_CLASS, "spec.storage.storageClassName", shown
        + " is not allowed in " + findings.environment() + "; allowed: "
        + classes.stream().map(c -> c.isEmpty() ? "\"\" (cluster default)" : c)
            .collect(Collectors.joining(", ")) + ".");
  }

  private static void checkReplicas(MLflowSpec spec, RuleFindings findings) {
    int replicas = spec.replicas();
    if (replicas <= 1) {
      return;
    }
    if (spec.usesSqlite()) {
      findings.add(MLflowRule.REPLICAS_SHARED_VOLUME, "spec.replicas", replicas
          + " replicas cannot share one SQLite file: concurrent writers corrupt it or fail with"
          + " 'database is locked'. Use 1 replica, or a PostgreSQL or MySQL store.");
    } else if (spec.hasStorage() && SINGLE_NODE_MODES.contains(spec.accessMode())) {
      findings.add(MLflowRule.REPLICAS_SHARED_VOLUME, "spec.replicas", replicas
          + " replicas with a " + spec.accessMode() + " volume: it mounts on one node (or pod)"
          + " only, so the other replicas stay Pending. Use ReadWriteMany storage, remote"
          + " artifact storage without spec.storage, or 1 replica.");
    }
  }

  /** {@code quantity} in bytes; null when it is not a Kubernetes quantity. */
  static BigDecimal bytes(String quantity) {
    return QuantityBytes.SHARED.bytes(quantity);
  }

  private static String describe(List<Location> locations) {
    Location first = locations.get(0);
    String what = first.implicit()
        ? first.path() + " (unset: the operator uses '" + first.uri().redacted() + "')"
        : first.path() + " ('" + first.uri().redacted() + "')";
    return locations.size() == 1 ? what + " keeps data"
        : what + " and " + (locations.size() - 1) + " more location(s) keep data";
  }
}
