#!/usr/bin/env bash
# Cached /authorize decisions against a trivial Vert.x TLS server (the ceiling), in one run.
# BENCH_MAIN=AuthorizerLoadBenchmark measures the API server authorizer port (POST /authorizer) instead.
# usage: bench/authorize.sh [SECONDS_PER_ROUND=10] [ROUNDS=3] [CONNECTIONS=16]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
exec java -Xmx512m -cp "target/classes:target/test-classes:$(cat target/bench.classpath)" \
  -Dlogback.configurationFile=bench/logback-quiet.xml \
  "io.opendatahub.mlflow.webhook.bench.${BENCH_MAIN:-AuthorizeBenchmark}" "$@"
