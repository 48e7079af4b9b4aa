#!/usr/bin/env bash
# Prints the machine a benchmark run measures on, as one JSON object (for the run manifests in benchmarks/results/):
# OS, CPU, cores, memory, .NET SDK, PostgreSQL (when $WORKFLOW_BENCH_POSTGRES_BIN is set) and the load average
# when the run started (the machine may be shared: a high load makes absolute figures noisy).
#
#   benchmarks/machine.sh
set -euo pipefail

os=$(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-$(uname -s)}" || uname -s)
cpu=$(lscpu 2>/dev/null | sed -nE 's/^Model name:[[:space:]]+//p' | head -n 1)
cores=$(nproc)
mem_kib=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
dotnet=$(dotnet --version 2>/dev/null || echo unknown)
postgres=""
if [[ -n ${WORKFLOW_BENCH_POSTGRES_BIN:-} ]]; then
  postgres=$("$WORKFLOW_BENCH_POSTGRES_BIN/postgres" --version | awk '{print $3}')
fi
load=$(cut -d ' ' -f 1-3 /proc/loadavg)
printf '{ "os": "%s", "cpu": "%s", "cores": %s, "memoryGiB": %s, "dotnet": "%s", "postgres": "%s", "loadAverage": "%s" }\n' \
  "$os" "${cpu:-unknown}" "$cores" "$(awk -v k="$mem_kib" 'BEGIN{printf "%.0f", k/1048576}')" "$dotnet" "$postgres" "$load"
