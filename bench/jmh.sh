#!/usr/bin/env bash
# JMH benchmarks of the pure core (decision, patch, classification, RBAC evaluator and snapshot
# rebuild at 100 and 10,000 bindings, route matching, a whole route check on the local authority).
# usage: [BENCHMARKS=regex] bench/jmh.sh [JMH options, e.g. -f 1 -wi 3 -i 5 -r 2s]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
options=("$@")
[[ ${#options[@]} -gt 0 ]] || options=(-f 1 -wi 3 -w 2s -i 5 -r 2s)
exec java -cp "target/classes:target/test-classes:$(cat target/bench.classpath)" \
  -Dlogback.configurationFile=bench/logback-quiet.xml \
  org.openjdk.jmh.Main "${options[@]}" "${BENCHMARKS:-CoreBenchmarks}"
