#!/usr/bin/env python3
"""Event-loop CPU per request by component, ceiling beside service, from async-profiler's
collapsed stacks (one line per stack: thread;frame;...;leaf samples), for bench/profile.sh.

Each sample belongs to the component of the frame nearest its leaf that names one: a sample
in Jackson under the service's code is Jackson's, one in the socket write under TLS is the
socket's. Prints Markdown: the components, then the service's own frames by inclusive time.

usage: profile-components.py INTERVAL_US CEILING.collapsed CEILING_REQUESTS
                             SERVICE.collapsed SERVICE_REQUESTS
"""
import collections
import re
import sys

# Looked for from the leaf up; within one frame, the first component listed wins.
COMPONENTS = [
    ("socket write (kernel included)", ("IOUtil.write",)),
    ("socket read (kernel included)", ("IOUtil.read",)),
    ("selector", ("SelectorImpl.select", "SelectorImpl.selectNow", "EPoll.wait")),
    ("TLS encrypt", ("SSLEngineImpl.wrap",)),
    ("TLS decrypt", ("SSLEngineImpl.unwrap",)),
    ("Jackson", ("tools/jackson/", "com/fasterxml/jackson/")),
    ("Micrometer", ("io/micrometer/",)),
    ("Caffeine", ("com/github/benmanes/caffeine/",)),
    ("the service's code", ("io/opendatahub/",)),
    ("Netty HTTP codec", ("io/netty/handler/codec/http",)),
    ("Vert.x HTTP and buffers", ("io/vertx/",)),
    ("Netty TLS handler", ("io/netty/handler/ssl",)),
    ("Netty pipeline, buffers, queues", ("io/netty/",)),
]
OWN = "io/opendatahub/"
# A lambda's class name ends in its address, different in every run.
LAMBDA = re.compile(r"\$\$Lambda\$[0-9]+[./]0x[0-9a-f]+")


def read(path):
    """(samples by component, inclusive samples by own frame) of the event-loop threads."""
    components = collections.Counter()
    own = collections.Counter()
    for line in open(path, encoding="utf-8"):
        stack, count = line.rstrip("\n").rsplit(" ", 1)
        frames = stack.split(";")
        if not frames[0].startswith("[vert.x-eventloop"):
            continue
        samples = int(count)
        components[component(frames[1:])] += samples
        for frame in set(LAMBDA.sub("$$Lambda", f) for f in frames[1:]):
            if frame.startswith(OWN):
                own[frame] += samples
    return components, own


def component(frames):
    for frame in reversed(frames):
        for name, markers in COMPONENTS:
            if any(marker in frame for marker in markers):
                return name
    return "other (JDK, JVM)"


def main():
    interval_us = float(sys.argv[1])
    ceiling, _ = read(sys.argv[2])
    service, own = read(sys.argv[4])
    per_ceiling = interval_us / int(sys.argv[3])
    per_service = interval_us / int(sys.argv[5])
    names = [name for name, _ in COMPONENTS] + ["other (JDK, JVM)"]
    print("| event-loop component | ceiling us/request | service us/request | service - ceiling |")
    print("|---|---|---|---|")
    for name in sorted(names, key=lambda n: -service[n] * per_service - ceiling[n] * per_ceiling):
        c, s = ceiling[name] * per_ceiling, service[name] * per_service
        if c >= 0.005 or s >= 0.005:
            print(f"| {name} | {c:.2f} | {s:.2f} | {s - c:+.2f} |")
    c, s = sum(ceiling.values()) * per_ceiling, sum(service.values()) * per_service
    print(f"| **all** | **{c:.2f}** | **{s:.2f}** | **{s - c:+.2f}** |")
    print()
    print("The service's own frames, inclusive (callees counted), us/request:")
    print()
    for frame, samples in own.most_common(25):
        print(f"- {samples * per_service:.2f} `{frame}`")


if __name__ == "__main__":
    main()
