#!/usr/bin/env bash
# The background audit and the policy-report writer on fabric8's mock API server with the
# openreports.io CRDs: time from start to every report written, report writes per audit pass on
# an unchanged cluster, and time from a namespace relabel to its report (a figure, not a test).
# usage: bench/reports.sh [NAMESPACES=1000] [BINDINGS=1000]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
exec java -Xmx512m -cp "target/classes:target/test-classes:$(cat target/bench.classpath)" \
  -Dlogback.configurationFile=bench/logback-quiet.xml \
  io.opendatahub.mlflow.webhook.bench.ReportLoad "${1:-1000}" "${2:-1000}"
