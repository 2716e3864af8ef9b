# Functions shared by bench/run.sh and bench/layers.sh (sourced, not run).
# shellcheck shell=bash

# Another run on this machine may hold the usual ports: take free ones.
free_port() {
  local port
  while :; do
    port=$(( 20000 + RANDOM % 20000 ))
    ss -ltn | grep -q ":$port " || { echo "$port"; return; }
  done
}
# The path a workload (a body's name in BenchEnvironment) is sent to.
path_of() {
  case "$1" in
    mutate-*) echo /mutate;; authorize-mlflow-*) echo /authorize/mlflow;;
    authorize-*) echo /authorize;; *) echo /validate;;
  esac
}
load() { cut -d' ' -f1 /proc/loadavg; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
