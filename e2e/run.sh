#!/usr/bin/env bash
# The end-to-end run: package the jar, bring the harness up, run every e2e/tests/*.sh against
# it, and stop every process it started (by PID) whatever happens.
#   e2e/run.sh              all tests
#   e2e/run.sh admission    only e2e/tests/admission.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [[ "${MLFLOW_E2E_SKIP_PACKAGE:-0}" != 1 ]]; then
  # Offline by default (the project machines have a warm local repository); set
  # MLFLOW_E2E_MVN_FLAGS="" on a clean machine.
  (cd "$here/.." && mvn -B -q ${MLFLOW_E2E_MVN_FLAGS--o} package -DskipTests)
fi
"$here/cluster.sh" up
trap '"$here/cluster.sh" down' EXIT
eval "$("$here/cluster.sh" env)"

tests=("$@")
((${#tests[@]} > 0)) || tests=($(cd "$here/tests" && ls *.sh | sed 's/\.sh$//'))
status=0
for name in "${tests[@]}"; do
  echo "=== $name" >&2
  "$here/tests/$name.sh" || status=1
done
exit "$status"
