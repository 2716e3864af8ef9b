#!/usr/bin/env bash
# The end-to-end run: package the jar, bring the harness up, run every e2e/tests/*.sh against
# it, and stop every process it started (by PID) whatever happens.
#   e2e/run.sh              all tests, in name order
#   e2e/run.sh admission    only e2e/tests/admission.sh
# MLFLOW_E2E_MVN_FLAGS: flags for the packaging `mvn` (default: offline first, then online if
# the local repository lacks something, as on a clean CI machine); MLFLOW_E2E_SKIP_PACKAGE=1
# uses target/mlflow-policy-webhook.jar as it is.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

package() { (cd "$here/.." && mvn -B -q "$@" package -DskipTests); }
if [[ "${MLFLOW_E2E_SKIP_PACKAGE:-0}" != 1 ]]; then
  if [[ -n "${MLFLOW_E2E_MVN_FLAGS+set}" ]]; then
    package $MLFLOW_E2E_MVN_FLAGS
  else
    offline_log="$(mktemp)"
    if ! package -o > "$offline_log" 2>&1; then
      echo "offline packaging failed (a clean local Maven repository?); packaging online" >&2
      package
    fi
    rm -f "$offline_log"
  fi
fi

"$here/cluster.sh" up
eval "$("$here/cluster.sh" env)"
# On any exit (a failed test, set -e, Ctrl-C): on failure the last lines of every log, so a CI
# log says what went wrong; then every process stopped by its PID.
on_exit() {
  local status=$?
  if ((status != 0)); then
    for log in "$MLFLOW_E2E_DIR"/*.log; do
      echo "=== last lines of $log" >&2
      tail -n 40 "$log" >&2 || true
    done
  fi
  "$here/cluster.sh" down
  # The jars were stopped by SIGTERM: a Lease release that failed on a closed connection at
  # shutdown (finding 9 in e2e/README.md) fails the run.
  if grep -H "while releasing lock" "$MLFLOW_E2E_DIR"/*.log >&2; then
    echo "FAIL: a service failed to release its Lease when stopped" >&2
    status=1
  fi
  exit "$status"
}
trap on_exit EXIT

tests=("$@")
((${#tests[@]} > 0)) || tests=($(cd "$here/tests" && ls *.sh | sed 's/\.sh$//'))
status=0
for name in "${tests[@]}"; do
  echo "=== $name" >&2
  "$here/tests/$name.sh" || { echo "=== $name FAILED" >&2; status=1; }
done
((status == 0)) && echo "=== e2e: all ${#tests[@]} test scripts passed" >&2
exit "$status"
