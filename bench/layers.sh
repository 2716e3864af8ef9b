#!/usr/bin/env bash
# The ceiling's layers: what fraction of the bare Vert.x TLS ceiling (bench/run.sh's) a server
# that routes and reads JSON can reach on this machine, the context for issue 19's 0.8 goal.
# CeilingServer serves one layer at a time, each adding to the one before:
#   bare    the request's body read, a fixed answer (bench/run.sh's ceiling)
#   router  + Vert.x Web's Router and a BodyHandler on the service's POST paths
#   chain   + the service's handler-chain shape (start-time handler on every route, platform
#           handler with an end handler, BodyHandler, Content-Type check) and the body copied out
#   tokens  + a Jackson token loop over the body (reading JSON without a tree)
#   tree    + Jackson's readTree of the body instead
# and, without the Router, as the service has received its POSTs since session 7 (PostFront):
#   front         the request handler matches the exact path, checks the Content-Type and
#                 receives the body chunk by chunk into one array of its declared length
#   front-tokens  + a Jackson token loop over the body
#   front-tree    + Jackson's readTree of the body instead
# Per body, ROUNDS rounds; in each every layer is started fresh, warmed WARMUP s, then measured
# with wrk (2 threads, CONNECTIONS keep-alive connections, SECONDS s); the layers' order is
# reversed every other round. The figure is the median over the rounds of layer/bare of the same
# round; every row has the load average of each round. Unpinned, as run.sh's throughput part;
# the Dockerfile's JVM flags under -XX:MaxRAM=512m; every answer ANSWER_BYTES bytes.
# usage: [LAYERS="bare router chain tokens tree front front-tokens front-tree"] [BODIES="validate-allowed authorize-cache-hit"]
#          [WARMUP=5] [ANSWER_BYTES=300] bench/layers.sh [SECONDS=8] [ROUNDS=3] [CONNECTIONS=16]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/common.sh
source bench/common.sh
secs="${1:-8}"; rounds="${2:-3}"; conns="${3:-16}"
read -r -a layers <<< "${LAYERS:-bare router chain tokens tree front front-tokens front-tree}"
[[ "${layers[0]}" == bare ]] || layers=(bare "${layers[@]}") # every ratio is to bare
bodies="${BODIES:-validate-allowed authorize-cache-hit}"
warmup="${WARMUP:-5}"; answer="${ANSWER_BYTES:-300}"
started_at=$(date +%s)

mvn -B -q -DskipTests test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
certs/generate-dev-certs.sh >/dev/null
out=target/layers
rm -rf "$out" && mkdir -p "$out"
cp="target/classes:target/test-classes:$(cat target/bench.classpath)"
quiet=-Dlogback.configurationFile=bench/logback-quiet.xml
mapfile -t docker_flags < <(bench/dockerfile-flags.sh)
jvm=(-XX:MaxRAM=512m "${docker_flags[@]}")

# The workloads' bodies, as bench/run.sh's environment writes them (its mock API server is not needed).
java -cp "$cp" "$quiet" io.opendatahub.mlflow.webhook.bench.BenchEnvironment "$out" 0 \
  > "$out/environment.log" 2>&1 &
environment=$!
pids=("$environment")
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
until [[ -s "$out/authorize-mlflow-cache-hit.json" ]]; do
  kill -0 "$environment" 2>/dev/null || { cat "$out/environment.log" >&2; exit 1; }
  sleep 0.2
done
kill "$environment"; wait "$environment" || true

rate() { # port path body seconds -> req/s
  BODY="$3" ANSWER_BYTES="$answer" wrk -t2 -c"$conns" -d"$4"s -s bench/workload.lua \
    "https://127.0.0.1:$1$2" | sed -nE 's/RESULT rps=([0-9.]+) .* errors=([0-9]+)/\1 \2/p'
}

: > "$out/rounds"
for round in $(seq "$rounds"); do
  order=("${layers[@]}")
  if (( round % 2 == 0 )); then mapfile -t order < <(printf '%s\n' "${layers[@]}" | tac); fi
  for workload in $bodies; do
    body="$out/$workload.json"; path=$(path_of "$workload")
    for layer in "${order[@]}"; do
      port=$(free_port); log="$out/ceiling-$round-$workload-$layer.log"
      java "${jvm[@]}" -cp "$cp" "$quiet" io.opendatahub.mlflow.webhook.bench.CeilingServer \
        "$port" certs/tls.crt certs/tls.key "$layer" > "$log" 2>&1 &
      server=$!; pids+=("$server")
      until grep -qs listening "$log"; do
        kill -0 "$server" 2>/dev/null || { cat "$log" >&2; exit 1; }
        sleep 0.1
      done
      # A cold JVM on a loaded machine may not finish wrk's TLS handshakes within the warm-up:
      # warm until it answers (at most ten times).
      for _ in $(seq 10); do
        [[ "$(rate "$port" "$path" "$body" "$warmup" | cut -d' ' -f1)" != 0 ]] && break
      done
      l=$(load)
      read -r rps errors < <(rate "$port" "$path" "$body" "$secs")
      echo "$round $workload $layer $rps $errors $l" | tee -a "$out/rounds"
      kill "$server"; wait "$server" || true
    done
  done
done

{
  echo "The ceiling's layers: wrk -t2 -c$conns, $secs s after $warmup s of warm-up, $rounds rounds (the layers' order reversed every other round), $(wc -w <<< "$bodies") bodies; every answer $answer bytes; JVM flags ${jvm[*]}."
  echo
  echo "| body | layer | req/s (median) | **of bare (median)** | of bare per round | errors | load average per round |"
  echo "|---|---|---|---|---|---|---|"
  for workload in $bodies; do
    for layer in "${layers[@]}"; do
      # layer/bare of the same round, then the median over the rounds
      ratios=$(awk -v w="$workload" -v l="$layer" '$2 == w && $3 == "bare" { bare[$1] = $4 }
        $2 == w && $3 == l { mine[$1] = $4 }
        END { for (r in mine) if (bare[r] > 0) printf "%d %.2f\n", r, mine[r] / bare[r] }' "$out/rounds" | sort -n | cut -d' ' -f2)
      echo "| $workload | $layer | $(awk -v w="$workload" -v l="$layer" '$2 == w && $3 == l { print $4 }' "$out/rounds" | median) | **$(median <<< "$ratios")** | $(paste -sd' ' <<< "$ratios") | $(awk -v w="$workload" -v l="$layer" '$2 == w && $3 == l { e += $5 } END { print e + 0 }' "$out/rounds") | $(awk -v w="$workload" -v l="$layer" '$2 == w && $3 == l { print $6 }' "$out/rounds" | paste -sd' ') |"
    done
  done
  echo
  echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(java -version 2>&1 | head -1); run time $(( ($(date +%s) - started_at) / 60 )) min $(( ($(date +%s) - started_at) % 60 )) s"
} > "$out/table.md"
cat "$out/table.md"
