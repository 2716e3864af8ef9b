package io.opendatahub.mlflow.webhook.admission;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The property names of the objects open in one token stream, to find a name written twice in
 * one object: what Jackson's strict duplicate detection finds, at the same name, without its
 * {@code HashSet} for every object of three or more names (most of the bytes a review's decode
 * allocated, issue 19). Names of the objects open at once sit on one stack; a new name is
 * compared with those of its own object, and an object of more than {@value #SCANNED} names gets
 * a set, so a hostile object of many names costs no more than it did in Jackson. Names compare by
 * {@link String#equals}, as Jackson's do (after decoding escapes). One per stream: not thread-safe.
 */
final class DuplicateNames {

  /** Names per object compared one by one; at this size a scan is cheaper than hashing. */
  static final int SCANNED = 16;

  private String[] names = new String[32];
  private int size;
  /** Per open object, innermost last: where its names start in {@link #names}. */
  private int[] starts = new int[8];
  /** Per open object: its names once it has more than {@link #SCANNED}, else null. */
  private final List<Set<String>> sets = new ArrayList<>();
  private int depth;

  /** An object starts: its names are compared among themselves until {@link #close()}. */
  void open() {
    if (depth == starts.length) {
      starts = Arrays.copyOf(starts, depth * 2);
    }
    starts[depth] = size;
    if (depth == sets.size()) {
      sets.add(null);
    } else {
      sets.set(depth, null);
    }
    depth++;
  }

  /** The innermost open object ends. */
  void close() {
    depth--;
    size = starts[depth];
    sets.set(depth, null);
  }

  /** Adds a name of the innermost open object; false if that object already has it. */
  boolean add(String name) {
    Set<String> set = sets.get(depth - 1);
    if (set != null) {
      return set.add(name);
    }
    int start = starts[depth - 1];
    for (int i = start; i < size; i++) {
      if (names[i].equals(name)) {
        return false;
      }
    }
    if (size - start == SCANNED) {
      set = new HashSet<>(Arrays.asList(names).subList(start, size));
      set.add(name);
      sets.set(depth - 1, set);
      return true;
    }
    if (size == names.length) {
      names = Arrays.copyOf(names, size * 2);
    }
    names[size++] = name;
    return true;
  }
}
