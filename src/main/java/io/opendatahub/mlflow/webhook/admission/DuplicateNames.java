package io.opendatahub.mlflow.webhook.admission;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * The property names of the objects open in one token stream, to find a name written twice in
 * one object: what Jackson's strict duplicate detection finds, at the same name, without its
 * {@code HashSet} for every object of three or more names (most of the bytes a review's decode
 * allocated, issue 19). Names of the objects open at once sit on one stack with their hashes; a
 * new name is compared with those of its own object, and an object of more than {@value
 * #SCANNED} names gets a set, so a hostile object of many names costs no more than it did in
 * Jackson. Names compare by {@link String#equals}, as Jackson's do (after decoding escapes). One
 * stream at a time, {@link #reset} between them: not thread-safe.
 */
final class DuplicateNames {

  /** Names per object compared one by one; at this size a scan is cheaper than hashing. */
  static final int SCANNED = 16;
  /** Names on the stack, and objects open, that a new instance has room for. */
  static final int NAMES = 32;
  static final int OBJECTS = 16;
  /**
   * Stacks {@link #reset} keeps once grown: an API server's review needs more than a new
   * instance has room for (managedFields' objects nest), and a few KiB per thread is nothing.
   */
  static final int KEPT_NAMES = 256;
  static final int KEPT_OBJECTS = 64;

  private String[] names = new String[NAMES];
  private int[] hashes = new int[NAMES];
  private int size;
  /** Per open object, innermost last: where its names start on the stack. */
  private int[] starts = new int[OBJECTS];
  /** Per open object: its names once it has more than {@link #SCANNED}; null until one has. */
  private Set<String>[] sets;
  private int depth;

  /**
   * Ready for another stream, as a new instance, whatever the last one left open (a stream that
   * failed midway). Stacks that a wide or deep body grew past what is kept are dropped, not kept
   * for the next stream: they would hold that body's names for as long as the thread keeps this.
   */
  DuplicateNames reset() {
    if (names.length > KEPT_NAMES) {
      names = new String[NAMES];
      hashes = new int[NAMES];
    }
    if (starts.length > KEPT_OBJECTS) {
      starts = new int[OBJECTS];
    }
    sets = null;
    size = 0;
    depth = 0;
    return this;
  }

  /** Room for how many names: for tests of what {@link #reset} keeps. */
  int capacity() {
    return names.length;
  }

  /** An object starts: its names are compared among themselves until {@link #close()}. */
  void open() {
    if (depth == starts.length) {
      starts = Arrays.copyOf(starts, depth * 2);
      if (sets != null) {
        sets = Arrays.copyOf(sets, depth * 2);
      }
    }
    starts[depth++] = size;
  }

  /** The innermost open object ends. */
  void close() {
    depth--;
    size = starts[depth];
    if (sets != null) {
      sets[depth] = null;
    }
  }

  /** Adds a name of the innermost open object; false if that object already has it. */
  boolean add(String name) {
    int object = depth - 1;
    if (sets != null && sets[object] != null) {
      return sets[object].add(name);
    }
    int hash = name.hashCode();
    int start = starts[object];
    for (int i = start; i < size; i++) {
      if (hashes[i] == hash && names[i].equals(name)) {
        return false;
      }
    }
    if (size - start == SCANNED) {
      set(object).addAll(Arrays.asList(names).subList(start, size));
      return sets[object].add(name);
    }
    if (size == names.length) {
      names = Arrays.copyOf(names, size * 2);
      hashes = Arrays.copyOf(hashes, size * 2);
    }
    names[size] = name;
    hashes[size++] = hash;
    return true;
  }

  @SuppressWarnings("unchecked")
  private Set<String> set(int object) {
    if (sets == null) {
      sets = new Set[starts.length];
    }
    return sets[object] = new HashSet<>();
  }
}
