# What a JVM's log (-Xlog:gc,safepoint,jit+compilation=debug:file=...:timemillis,tags) recorded
# between two wall-clock instants (ms), for bench/run.sh's tail rows:
#   "<GC pauses> <their total ms> <longest ms> <longest other safepoint ms> <JIT compilations>"
# usage: awk -v from=MS -v to=MS -f bench/window-events.awk LOG
{
  end = index($1, "ms]")
  if (substr($1, 1, 1) != "[" || end == 0) next
  t = substr($1, 2, end - 2) + 0
  if (t < from || t > to) next
}
/\]\[gc *\] GC\([0-9]+\) Pause .*ms$/ {
  ms = $NF; sub(/ms$/, "", ms); ms += 0
  pauses++; total += ms; if (ms > longest) longest = ms
  next
}
/\]\[safepoint *\] Safepoint "/ {
  # GC operations are counted above; the others are deoptimisation, biased locking, cleanup...
  if ($0 ~ /Collect|GCFailed|G1|CGC_Operation/) next
  n = split($0, parts, "Total: ")
  ns = parts[n]; sub(/ ns.*/, "", ns)
  if (ns / 1e6 > safepoint) safepoint = ns / 1e6
  next
}
/\]\[jit,compilation *\]/ { compiled++ }
END {
  printf "%d %.1f %.1f %.1f %d\n", pauses, total, longest, safepoint, compiled
}
