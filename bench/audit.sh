#!/usr/bin/env bash
# The background audit on fabric8's mock API server: heap for NAMESPACES namespaces and BINDINGS
# RoleBindings of the integration role, time to a complete report, to a full pass, and from a
# namespace relabel to the report (a figure, not a test).
# usage: bench/audit.sh [NAMESPACES=10000] [BINDINGS=1000]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
exec java -Xmx512m -cp "target/classes:target/test-classes:$(cat target/bench.classpath)" \
  -Dlogback.configurationFile=bench/logback-quiet.xml \
  io.opendatahub.mlflow.webhook.bench.AuditLoad "${1:-10000}" "${2:-1000}"
