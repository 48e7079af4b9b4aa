#!/usr/bin/env bash
# Measures the PostgreSQL figures of docs/benchmarks.md in one run, on one throwaway server with production durability:
#   1. pgbench's 100-row-transaction insert rate (the machine's limit for batched writes);
#   2. durable 3-step workflows with the load tool on 1, 2 and 3 node processes as fast as they go, in ROUNDS rounds
#      (1, 2, 3, 1 with StepOptions.DeferCommit, 1, 2, 3, ...: each run meets the machine's changing load alike), and on
#      2 nodes at fixed rates (200 and 1,000 starts/s) for latency;
#   3. a step's commit against the length of the instance's journal (10 to 10,000 events), interleaved by the load
#      tool (--history) and with BenchmarkDotNet (with the journal load and allocations);
#   4. BenchmarkDotNet: the event store's appends and reads.
# Results land in benchmarks/results/: JSON from the load tool, text from pgbench, BenchmarkDotNet's JSON exports in
# bdn/, and postgres-figures.json (the command, the durations and the machine). Then regenerate the document:
#   dotnet run --project benchmarks/Workflow.Report
#
#   benchmarks/postgres-figures.sh            # 20 s per load measurement
#   DURATION=60 ROUNDS=5 benchmarks/postgres-figures.sh  # default 3 rounds
#   SKIP_BDN=1 benchmarks/postgres-figures.sh # pgbench and the load tool only
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ -z ${WORKFLOW_BENCH_POSTGRES:-} ]]; then
  exec benchmarks/with-postgres.sh "$0" "$@"
fi

duration=${DURATION:-20}
rounds=${ROUNDS:-3}
out=benchmarks/results
mkdir -p "$out/bdn"
rm -f "$out"/nodes-*.json "$out"/deferred-nodes-*.json
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
machine=$(benchmarks/machine.sh)
dotnet build -c Release benchmarks/Workflow.LoadTest >/dev/null
[[ -n ${SKIP_BDN:-} ]] || dotnet build -c Release benchmarks/Workflow.Benchmarks >/dev/null

# libpq's view of the same server.
host=$(sed -E 's/.*Host=([^;]+).*/\1/' <<<"$WORKFLOW_BENCH_POSTGRES")
port=$(sed -E 's/.*Port=([^;]+).*/\1/' <<<"$WORKFLOW_BENCH_POSTGRES")
db=$(sed -E 's/.*Database=([^;]+).*/\1/' <<<"$WORKFLOW_BENCH_POSTGRES")
psql_cmd=("$WORKFLOW_BENCH_POSTGRES_BIN/psql" -h "$host" -p "$port" -U postgres -d "$db" -qAt)

"${psql_cmd[@]}" -c "CREATE TABLE IF NOT EXISTS pgbench_events (id bigserial PRIMARY KEY, stream text NOT NULL, data jsonb NOT NULL)"
script=$(mktemp)
payload=$(printf '{"type":"order.placed","order":"A-1001","customer":"C-77","lines":[{"sku":"espresso-01","qty":1,"price":349.0},{"sku":"grinder-02","qty":1,"price":89.9}],"currency":"EUR","note":"%s"}' "$(head -c 40 /dev/zero | tr '\0' 'x')")
cat >"$script" <<SQL
INSERT INTO pgbench_events (stream, data) SELECT 'bench-' || :client_id, '$payload'::jsonb FROM generate_series(1, 100);
SQL
echo "[figures] pgbench: 100-row transactions, 8 clients, ${duration} s" >&2
"$WORKFLOW_BENCH_POSTGRES_BIN/pgbench" -h "$host" -p "$port" -U postgres -n -M prepared -c 8 -j 2 -T "$duration" -f "$script" "$db" \
  | tee "$out/pgbench-100-rows.txt" >&2
rm -f "$script"

load() {
  local name=$1; shift
  echo "[figures] load tool: $name" >&2
  dotnet run -c Release --no-build --project benchmarks/Workflow.LoadTest -- --duration "$duration" --json "$out/$name.json" "$@"
}
for round in $(seq 1 "$rounds"); do
  for nodes in 1 2 3; do
    load "nodes-$nodes-r$round" --nodes "$nodes"
  done
  load "deferred-nodes-1-r$round" --nodes 1 --defer-commits
done
load rate-200-nodes-2 --nodes 2 --rate 200
load rate-1000-nodes-2 --nodes 2 --rate 1000

history_args="--history 10,100,1000,10000 --rounds ${HISTORY_ROUNDS:-1000}"
echo "[figures] load tool: $history_args" >&2
# shellcheck disable=SC2086 # the arguments are words
dotnet run -c Release --no-build --project benchmarks/Workflow.LoadTest -- $history_args --json "$out/history.json"

bdn_jobs=""
if [[ -z ${SKIP_BDN:-} ]]; then
  # In process: building BenchmarkDotNet's generated projects can exceed its build timeout on a loaded machine.
  bdn() {
    local name=$1; shift
    local artifacts
    artifacts=$(mktemp -d)
    echo "[figures] BenchmarkDotNet: $name" >&2
    WORKFLOW_TEST_POSTGRES=$WORKFLOW_BENCH_POSTGRES \
      dotnet run -c Release --no-build --project benchmarks/Workflow.Benchmarks -- \
      --filter "*$name*" --inProcess --exporters json --artifacts "$artifacts" "$@" >&2
    cp "$artifacts"/results/*"$name"-report-full-compressed.json "$out/bdn/$name.json"
    rm -rf "$artifacts"
  }
  # Each iteration puts the instances back at their history length; 8 invocations = one commit per instance.
  bdn_history_args=(--launchCount 1 --warmupCount 3 --iterationCount 20 --invocationCount 8 --unrollFactor 1)
  bdn PostgresHistoryLengthBenchmarks "${bdn_history_args[@]}"
  store_args=(--launchCount 1 --warmupCount 3 --iterationCount 10)
  bdn PostgresEventStoreBenchmarks "${store_args[@]}"
  bdn_jobs=$(printf '"PostgresHistoryLengthBenchmarks": "%s", "PostgresEventStoreBenchmarks": "%s"' "${bdn_history_args[*]}" "${store_args[*]}")
fi

cat >"$out/postgres-figures.json" <<JSON
{
  "command": "benchmarks/postgres-figures.sh",
  "started": "$started",
  "finished": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "durationSeconds": $duration,
  "nodeRounds": $rounds,
  "server": "benchmarks/with-postgres.sh on 127.0.0.1, shared_buffers=512MB, max_connections=300",
  "historyArguments": "$history_args",
  "bdnArguments": { $bdn_jobs },
  "machine": $machine,
  "loadAverageAtEnd": "$(cut -d ' ' -f 1-3 /proc/loadavg)"
}
JSON

tps=$(grep -Eo 'tps = [0-9.]+' "$out/pgbench-100-rows.txt" | head -n 1 | awk '{print $3}')
echo "[figures] pgbench 100-row transactions: $tps tx/s = $(awk -v t="$tps" 'BEGIN{printf "%.0f", t*100}') rows/s" >&2
echo "[figures] now: dotnet run --project benchmarks/Workflow.Report" >&2
