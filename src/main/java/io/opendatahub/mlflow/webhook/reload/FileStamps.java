package io.opendatahub.mlflow.webhook.reload;

import io.opendatahub.mlflow.webhook.policy.YamlFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code stat} says about a policy location and the policy files in it: for each, its path,
 * size, modification time and file key (device and inode, where the platform has one), links
 * followed, so a ConfigMap's {@code ..data} swap shows as new files. The location comes first: a
 * directory's modification time changes when an entry is added, removed or renamed into it (the
 * kubelet's swap renames {@code ..data}), so {@link #restat()} sees a changed file set without
 * listing the directory again.
 */
record FileStamps(List<Stamp> stamps) {

  /** One path as stat saw it. */
  record Stamp(Path path, long size, FileTime modified, Object key) {

    static Stamp of(Path path) throws IOException {
      BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
      return new Stamp(path, attributes.size(), attributes.lastModifiedTime(),
          attributes.fileKey());
    }
  }

  /** The location and the policy files it names, listed. */
  static FileStamps of(Path location) throws IOException {
    List<Stamp> stamps = new ArrayList<>();
    stamps.add(Stamp.of(location));
    for (Path file : YamlFiles.in(location)) {
      if (!file.equals(location)) {
        stamps.add(Stamp.of(file));
      }
    }
    return new FileStamps(List.copyOf(stamps));
  }

  /**
   * The same paths stat'ed again; listing a directory took 10 times a stat's CPU. Null when one
   * of them is gone.
   */
  FileStamps restat() {
    List<Stamp> again = new ArrayList<>(stamps.size());
    try {
      for (Stamp stamp : stamps) {
        again.add(Stamp.of(stamp.path()));
      }
    } catch (IOException e) {
      return null;
    }
    return new FileStamps(again);
  }

  /**
   * True when a path was modified within {@code window} of {@code now} (or is dated after it): a
   * second change in the same tick of the file system's clock, of the same size, would leave its
   * stamp unchanged, so such a stamp says nothing yet.
   */
  boolean modifiedWithin(Duration window, Instant now) {
    Instant since = now.minus(window);
    for (Stamp stamp : stamps) {
      if (stamp.modified().toInstant().isAfter(since)) {
        return true;
      }
    }
    return false;
  }
}
