# What a JVM's log (-Xlog:gc,safepoint,jit+compilation=debug:file=...:timemillis,tags) recorded
# between two wall-clock instants (ms), for bench/run.sh's tail rows:
#   "<GC pauses> <their total ms> <longest ms> <longest other safepoint ms> <JIT compilations>
#    <KiB allocated per request>"
# The last is the heap filled between the window's first and last collection over the requests
# due meanwhile at `rate` per second ("-" with fewer than two collections): what sets how often
# the young pauses come.
# usage: awk -v from=MS -v to=MS [-v rate=REQUESTS_PER_SECOND] -f bench/window-events.awk LOG
function mib(size) { # "45M" -> 45, "512K" -> 0.5, "1G" -> 1024
  if (size ~ /K$/) return substr(size, 1, length(size) - 1) / 1024
  if (size ~ /G$/) return substr(size, 1, length(size) - 1) * 1024
  return substr(size, 1, length(size) - 1) + 0
}
{
  end = index($1, "ms]")
  if (substr($1, 1, 1) != "[" || end == 0) next
  t = substr($1, 2, end - 2) + 0
  inside = t >= from && t <= to
}
/\]\[gc *\] GC\([0-9]+\) Pause .*ms$/ {
  split($(NF - 1), heap, /->|\(/)
  if (inside) {
    ms = $NF; sub(/ms$/, "", ms); ms += 0
    pauses++; total += ms; if (ms > longest) longest = ms
    if (first == "") first = t
    else filled += mib(heap[1]) - after
    last = t
  }
  after = mib(heap[2])
  next
}
!inside { next }
/\]\[safepoint *\] Safepoint "/ {
  # GC operations are counted above; the others are deoptimisation, biased locking, cleanup...
  if ($0 ~ /Collect|GCFailed|G1|CGC_Operation/) next
  n = split($0, parts, "Total: ")
  ns = parts[n]; sub(/ ns.*/, "", ns)
  if (ns / 1e6 > safepoint) safepoint = ns / 1e6
  next
}
# Only compilations: "made not entrant" is an older version of a method set aside (mostly for its
# new tier), "made zombie" the code cache's sweeper freeing such a version later, often hundreds
# in one pass (JDK 17); neither is a compilation.
/\]\[jit,compilation *\]/ && !/made (not entrant|zombie)/ { compiled++ }
END {
  perRequest = (pauses > 1 && rate > 0 && last > first) \
    ? sprintf("%.1f", filled * 1024 / (rate * (last - first) / 1000)) : "-"
  printf "%d %.1f %.1f %.1f %d %s\n", pauses, total, longest, safepoint, compiled, perRequest
}
