#!/usr/bin/env python3
"""What core 0 ran during each side's tail windows, from a PERF_SCHED=1 run of bench/run.sh.

Per side (ceiling, service, baseline), over its windows only:
  - every task that ran on core 0: milliseconds and runs per second of window;
  - how long the side's event loops waited to run once woken (perf sched's "sch delay"): the
    share of a request's latency the scheduler adds, percentiles over every wake-up;
  - for the waits longer than BOUND_MS: what held core 0 meanwhile, summed per task ("<idle>"
    is a core that was idle yet had not run the woken loop: the wake-up's own latency).
Thread names are the kernel's, cut to 15 characters ("vert.x-eventloo").

usage: bench/perf-sched-windows.py target/bench/tail-WORKLOAD [BOUND_MS=0.2]
  (reads tail-WORKLOAD.perf.data, .txt and .clock-offset; needs perf)
"""
import collections
import re
import subprocess
import sys

EVENT_LOOP = "vert.x-eventloo"


def windows(txt, offset):
    """side -> [(start, end)] in perf's clock (monotonic seconds)."""
    sides = collections.defaultdict(list)
    for line in open(txt):
        m = re.match(r"WINDOW side=(\S+) n=\d+ from=(\d+) to=(\d+)", line)
        if m:
            sides[m.group(1)].append((int(m.group(2)) / 1000 - offset,
                                      int(m.group(3)) / 1000 - offset))
    return sides


def slices(perf_data):
    """Core 0's scheduling slices as (end, task, sch delay ms, run ms), in time order."""
    out = subprocess.run(["perf", "sched", "timehist", "-i", perf_data, "-C", "0"],
                         capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        p = line.split()
        if len(p) < 6 or not re.match(r"[\d.]+$", p[0]):
            continue
        try:
            end, delay, run = float(p[0]), float(p[-2]), float(p[-1])
        except ValueError:
            continue
        task = re.sub(r"\[\d+(/\d+)?\]", "", " ".join(p[2:-3])).strip()
        rows.append((end, task, delay, run))
    return rows


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else 0.0


def report(side, spans, rows, bound):
    seconds = sum(b - a for a, b in spans)
    inside = [r for r in rows if any(a <= r[0] <= b for a, b in spans)]
    ran = collections.Counter()
    runs = collections.Counter()
    for _, task, _, run in inside:
        ran[task] += run
        runs[task] += 1
    print(f"== {side}: {len(spans)} windows, {seconds:.0f} s")
    for task, ms in ran.most_common(12):
        print(f"  {task:24s} {ms / seconds:8.2f} ms/s {runs[task] / seconds:9.1f} runs/s")
    delays = [d for _, task, d, _ in inside if task.startswith(EVENT_LOOP)]
    print("  event loop, woken to running (ms): " + " ".join(
        f"p{q * 100:g}={percentile(delays, q):.3f}" for q in (0.5, 0.9, 0.99, 0.999))
        + f" of {len(delays)}; over {bound} ms: {sum(d > bound for d in delays)}")
    held = collections.Counter()
    for i, (end, task, delay, run) in enumerate(inside):
        if not task.startswith(EVENT_LOOP) or delay <= bound:
            continue
        started = end - run / 1000
        woken = started - delay / 1000
        j = i - 1
        while j >= 0 and inside[j][0] > woken:
            other_end, other, _, other_run = inside[j]
            overlap = min(other_end, started) - max(other_end - other_run / 1000, woken)
            if overlap > 0:
                held[other] += overlap * 1000
            j -= 1
    print(f"  core 0 during those waits (ms): "
          + ", ".join(f"{task} {ms:.1f}" for task, ms in held.most_common(8)))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    base = sys.argv[1]
    bound = float(sys.argv[2]) if len(sys.argv) > 2 else 0.2
    offset = float(open(base + ".clock-offset").read())  # wall clock minus monotonic, seconds
    rows = slices(base + ".perf.data")
    for side, spans in sorted(windows(base + ".txt", offset).items()):
        report(side, spans, rows, bound)


if __name__ == "__main__":
    main()
