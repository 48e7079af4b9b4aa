#!/usr/bin/env bash
# Measures the engine figures of docs/benchmarks.md (no database): the in-memory store's start-to-completion runs and
# the Workflow.AI prompt step, with BenchmarkDotNet in process. BenchmarkDotNet's JSON exports land in
# benchmarks/results/bdn/, the command and the machine in benchmarks/results/engine-figures.json. Then regenerate the
# document:
#   dotnet run --project benchmarks/Workflow.Report
#
#   benchmarks/engine-figures.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

out=benchmarks/results
mkdir -p "$out/bdn"
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
machine=$(benchmarks/machine.sh)
dotnet build -c Release benchmarks/Workflow.Benchmarks >/dev/null

# In process: building BenchmarkDotNet's generated projects can exceed its build timeout on a loaded machine.
bdn() {
  local name=$1; shift
  local artifacts
  artifacts=$(mktemp -d)
  echo "[figures] BenchmarkDotNet: $name" >&2
  dotnet run -c Release --no-build --project benchmarks/Workflow.Benchmarks -- \
    --filter "*$name*" --inProcess --exporters json --artifacts "$artifacts" "$@" >&2
  cp "$artifacts"/results/*"$name"-report-full-compressed.json "$out/bdn/$name.json"
  rm -rf "$artifacts"
}
inmemory_args=(--launchCount 1 --warmupCount 5 --iterationCount 15)
bdn InMemoryWorkflowBenchmarks "${inmemory_args[@]}"
ai_args=(--launchCount 1 --warmupCount 5 --iterationCount 30)
bdn AIStepBenchmarks "${ai_args[@]}"
echo "[figures] allocations by type" >&2
dotnet run -c Release --no-build --project benchmarks/Workflow.Benchmarks -- --allocation-profile "$out/profile-inmemory-allocations.txt" >&2

cat >"$out/engine-figures.json" <<JSON
{
  "command": "benchmarks/engine-figures.sh",
  "started": "$started",
  "finished": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "bdnArguments": { "InMemoryWorkflowBenchmarks": "${inmemory_args[*]}", "AIStepBenchmarks": "${ai_args[*]}" },
  "machine": $machine,
  "loadAverageAtEnd": "$(cut -d ' ' -f 1-3 /proc/loadavg)"
}
JSON
echo "[figures] now: dotnet run --project benchmarks/Workflow.Report" >&2
