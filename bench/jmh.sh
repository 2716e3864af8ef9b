#!/usr/bin/env bash
# JMH benchmarks of the pure core (decision, patch, classification, RBAC evaluator at 100 and
# 10,000 bindings). usage: bench/jmh.sh [JMH options, e.g. -f 1 -wi 3 -i 5 -r 2s]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
options=("$@")
[[ ${#options[@]} -gt 0 ]] || options=(-f 1 -wi 3 -w 2s -i 5 -r 2s)
exec java -cp "target/classes:target/test-classes:$(cat target/bench.classpath)" \
  -Dlogback.configurationFile=bench/logback-quiet.xml \
  org.openjdk.jmh.Main "${options[@]}" CoreBenchmarks
