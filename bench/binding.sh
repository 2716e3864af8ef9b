#!/usr/bin/env bash
# The binding reconciler on fabric8's mock API server: time to the first binding, and to bind
# ACCOUNTS ServiceAccounts created at once (moved out of the test suite: a figure, not a test).
# usage: bench/binding.sh [ACCOUNTS=1000]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
exec java -cp "target/classes:target/test-classes:$(cat target/bench.classpath)" \
  -Dlogback.configurationFile=bench/logback-quiet.xml \
  io.opendatahub.mlflow.webhook.bench.BindingLoad "${1:-1000}"
