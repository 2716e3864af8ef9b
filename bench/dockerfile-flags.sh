#!/usr/bin/env bash
# The Dockerfile's JVM flags, one a line, for the benches to run as the pod does: every -XX: flag
# of its ENTRYPOINT but the class-data archive (each bench makes its own), read from the file so
# the two cannot drift apart. The Deployment's 512Mi memory limit is what makes the JVM in the pod
# choose its collector, so the flags must name one for this machine to run the same.
# JVM_GC=-XX:+UseG1GC (say) replaces the Dockerfile's collector, to compare collectors.
set -euo pipefail
cd "$(dirname "$0")/.."
flags=$(sed -n '/^ENTRYPOINT/,/]$/p' Dockerfile | grep -o '"-XX:[^"]*"' | tr -d '"' \
  | grep -v SharedArchiveFile)
if [[ -n "${JVM_GC:-}" ]]; then
  flags=$(grep -v 'GC$' <<< "$flags"; echo "$JVM_GC")
fi
echo "$flags"
