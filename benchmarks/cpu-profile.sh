#!/usr/bin/env bash
# Where the CPU goes, sampled with Linux perf (outside CI: it needs perf, and root or kernel.perf_event_paranoid <= 1):
#   1. in memory: `Workflow.Benchmarks --cpu-workload` (3-step workflows 1,000 at a time), sampled for 15 s after
#      25 s of the same load, so the JIT has finished optimizing; by thread, by module and by function;
#   2. PostgreSQL: the load tool on 1 node against a throwaway durable server (benchmarks/with-postgres.sh), the whole
#      machine sampled for 12 s after the load tool's warm-up; by process and module: the server, the node's and the
#      starter's thread pools, the JIT, the kernel.
# JIT-compiled frames are named through the runtime's perf map (DOTNET_PerfMapEnabled=1; with the code mapped once,
# DOTNET_EnableWriteXorExecute=0, so perf finds the map's addresses). The runtime itself
# (libcoreclr.so: the garbage collector, the thread pool's workers waiting and spinning, stubs) ships without symbols,
# so it shows as one module.
# Output: benchmarks/results/profile-cpu-inmemory.txt and profile-cpu-postgres-nodes-1.txt, shown in docs/benchmarks.md
# (regenerate it: dotnet run --project benchmarks/Workflow.Report).
#
#   benchmarks/cpu-profile.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v perf >/dev/null || { echo "cpu-profile.sh: perf is not installed (Debian: apt-get install linux-perf)" >&2; exit 1; }
export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
out=benchmarks/results

# A perf report as plain lines: the entries above 0.5 %, cut to a readable width. (Callers keep its first lines with
# sed, which reads to the end: head would close the pipe early and, under pipefail, fail the script.)
report() {
  local data=$1; shift
  perf report -i "$data" --no-children -g none --stdio --percent-limit 0.5 "$@" 2>/dev/null \
    | grep -E '^ +[0-9]' | sed -E 's/ +- +- *$//; s/ +$//' | cut -c1-150
}

if [[ ${1:-} != --postgres ]]; then
  dotnet build -c Release benchmarks/Workflow.Benchmarks >/dev/null
  dotnet build -c Release benchmarks/Workflow.LoadTest >/dev/null
  data=$(mktemp)
  log=$(mktemp)
  dotnet artifacts/bin/Workflow.Benchmarks/release/Workflow.Benchmarks.dll --cpu-workload 45 >"$log" &
  pid=$!
  sleep 25
  echo "[cpu-profile] in memory: sampling process $pid for 15 s" >&2
  perf record -F 999 -g -p "$pid" -o "$data" -- sleep 15 >/dev/null 2>&1
  wait "$pid"
  {
    echo "# benchmarks/cpu-profile.sh, in memory: Workflow.Benchmarks --cpu-workload 45, sampled for 15 s after 25 s"
    echo "# $(tail -n 1 "$log")"
    echo "# by thread"
    report "$data" --sort comm
    echo "# by module ([JIT] = JIT-compiled managed code; libcoreclr.so = runtime: GC, thread pool, stubs)"
    report "$data" --sort dso
    echo "# by function"
    report "$data" --sort dso,symbol | sed -n '1,25p'
  } | tee "$out/profile-cpu-inmemory.txt"
  rm -f "$data" "$log"
  exec benchmarks/with-postgres.sh "$0" --postgres
fi

data=$(mktemp)
log=$(mktemp)
dotnet artifacts/bin/Workflow.LoadTest/release/Workflow.LoadTest.dll --nodes 1 --duration 25 >"$log" 2>&1 &
pid=$!
# The nodes start in a few seconds; the load tool then warms up for 20 s, unmeasured.
sleep 30
echo "[cpu-profile] PostgreSQL: sampling the machine for 12 s" >&2
perf record -a -F 999 -g -o "$data" -- sleep 12 >/dev/null 2>&1
wait "$pid"
{
  echo "# benchmarks/cpu-profile.sh, PostgreSQL: Workflow.LoadTest --nodes 1 --duration 25, the whole machine sampled for 12 s after the warm-up"
  echo "# $(grep -E 'workflows per second' "$log" | tr -s ' ')"
  echo "# by process (postgres = the server's backends; .NET TP Worker = the node's and the starter's thread pools; .NET Tiered Com = the JIT)"
  report "$data" --sort comm
  echo "# by process and module"
  report "$data" --sort comm,dso | sed -n '1,20p'
  echo "# the server, by function"
  report "$data" --comm postgres --sort symbol | sed -n '1,20p'
} | tee "$out/profile-cpu-postgres-nodes-1.txt"
rm -f "$data" "$log"
