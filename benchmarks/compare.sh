#!/usr/bin/env bash
# Ours against the peers, in the same minutes on the same machine, and the ratios.
#
#   benchmarks/compare.sh              # 3 rounds
#   ROUNDS=5 benchmarks/compare.sh     # more rounds
#   PGBENCH_SECONDS=20 benchmarks/compare.sh
#   ROUNDS=1 WARMUP=1 ITERATIONS=3 benchmarks/compare.sh   # a quick check of the script (figures too rough to quote)
#   python3 benchmarks/compare.py                          # compare.json again from the reports kept in results/peers
#
# One throwaway PostgreSQL with production durability (benchmarks/with-postgres.sh: fsync=on, synchronous_commit=on)
# serves ours, Marten and pgbench. Everything is built once; then each round runs ours and each peer alternately
# (A B A B: ours, Agent Framework without and with checkpoints, ours, Workflow Core, ours, Marten, pgbench), so a slow
# minute on this shared machine hits both sides of a ratio alike. Ours' workflow shapes and the Agent Framework's two
# run each in a process of their own (the first benchmark of a process pays for the JIT's tiering that later ones
# inherit); Workflow Core's default and tuned settings share one, as do each side's three append shapes. Every
# BenchmarkDotNet run uses the same fixed short job (in process, 3 warmup and 10 measured iterations) and the JSON
# exporter; the reports land in benchmarks/results/peers/<round>/<run>/, the run's settings in results/peers/run.json.
# Each round's figure is the median of its measured iterations; a measure's value is the median over the rounds.
# The summary is benchmarks/results/compare.json, read by the report generator: regenerate docs/benchmarks.md with it
# (dotnet run --project benchmarks/Workflow.Report) and commit them together, or ./test.sh's report check fails.
#
# The pairs (the same 3-step workflow everywhere: each step adds one to an int; the peers in projects of their own):
#   inmemory-vs-af[-checkpoints]  Workflow.Benchmarks SingleWorkflowBenchmarks (one workflow start to completion per
#                                 operation, in-memory store, full journaling path) vs Peers.AgentFramework (one run per
#                                 operation, Lockstep environment, without and with in-memory checkpoints).
#   inmemory-allocated            the same operation's allocated bytes (process-wide); target <= 2 KB, AF beside it.
#   inmemory-vs-workflowcore      TenThousandWorkflowsBenchmarks vs Peers.WorkflowCore at its tuned settings (both:
#                                 10,000 workflows started at once and run to completion per operation, fresh host and
#                                 store per iteration). Workflow Core's out-of-the-box figure is noted beside it.
#   append-*                      Workflow.Benchmarks PeerAppendBenchmarks vs Peers.Marten (quick append, prepared
#                                 statements, no connection reset; ours on the same connection settings): 120 events per
#                                 operation, every append a new stream.
#   pgbench-100-row-transactions  pgbench, 8 clients inserting 100 rows per transaction (the machine's limit for
#                                 batched durable writes); ours = the load tool's durable journal rows/s from
#                                 benchmarks/results/nodes-2-r*.json when present (a separate run, see its note).
# Each peer's settings, and why they are fair, are in the remarks of its benchmark class.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ -z ${WORKFLOW_BENCH_POSTGRES:-} ]]; then
  exec benchmarks/with-postgres.sh "$0" "$@"
fi

rounds=${ROUNDS:-3}
pgbench_seconds=${PGBENCH_SECONDS:-10}
warmup=${WARMUP:-3}
iterations=${ITERATIONS:-10}
job_args=(--inProcess --warmupCount "$warmup" --iterationCount "$iterations")
job_text="in process, warmup $warmup, iterations $iterations"
out=benchmarks/results/peers
log() { printf '[compare] %s\n' "$*" >&2; }

# The PostgreSQL benchmarks (ours and Marten's) read WORKFLOW_TEST_POSTGRES.
export WORKFLOW_TEST_POSTGRES=$WORKFLOW_BENCH_POSTGRES

projects=(Workflow.Benchmarks Peers.AgentFramework Peers.WorkflowCore Peers.Marten)
for project in "${projects[@]}"; do
  log "building $project"
  dotnet build -c Release "benchmarks/$project" >/dev/null
done

rm -rf "$out"
mkdir -p "$out"

# bench ROUND NAME PROJECT FILTER: one BenchmarkDotNet run, its JSON report under $out/ROUND/NAME.
bench() {
  local round=$1 name=$2 project=$3 filter=$4
  log "round $round: $name"
  dotnet run -c Release --no-build --project "benchmarks/$project" -- \
    --filter "$filter" "${job_args[@]}" --exporters json --artifacts "$out/$round/$name" >"$out/$round/$name.log" 2>&1 \
    || { tail -n 40 "$out/$round/$name.log" >&2; log "$name failed"; exit 1; }
  # Keep the JSON (read below), the Markdown table and the run's log; drop BenchmarkDotNet's other default exports
  # and its copy of the log.
  find "$out/$round/$name" \( -name '*.html' -o -name '*.csv' -o -name '*.log' \) -delete
}

host=$(sed -E 's/.*Host=([^;]+).*/\1/' <<<"$WORKFLOW_BENCH_POSTGRES")
port=$(sed -E 's/.*Port=([^;]+).*/\1/' <<<"$WORKFLOW_BENCH_POSTGRES")
db=$(sed -E 's/.*Database=([^;]+).*/\1/' <<<"$WORKFLOW_BENCH_POSTGRES")
"$WORKFLOW_BENCH_POSTGRES_BIN/psql" -h "$host" -p "$port" -U postgres -d "$db" -qAt \
  -c "CREATE TABLE IF NOT EXISTS pgbench_events (id bigserial PRIMARY KEY, stream text NOT NULL, data jsonb NOT NULL)"
pgbench_script=$(mktemp)
trap 'rm -f "$pgbench_script"' EXIT
payload=$(printf '{"type":"order.placed","order":"A-1001","customer":"C-77","lines":[{"sku":"espresso-01","qty":1,"price":349.0},{"sku":"grinder-02","qty":1,"price":89.9}],"currency":"EUR","note":"%s"}' "$(head -c 40 /dev/zero | tr '\0' 'x')")
cat >"$pgbench_script" <<SQL
INSERT INTO pgbench_events (stream, data) SELECT 'bench-' || :client_id, '$payload'::jsonb FROM generate_series(1, 100);
SQL

for round in $(seq 1 "$rounds"); do
  mkdir -p "$out/$round"
  bench "$round" ours-single Workflow.Benchmarks '*SingleWorkflowBenchmarks*'
  bench "$round" agent-framework Peers.AgentFramework '*.ThreeStepRun'
  bench "$round" agent-framework-checkpoints Peers.AgentFramework '*.ThreeStepRunInMemoryCheckpoints'
  bench "$round" ours-10000 Workflow.Benchmarks '*TenThousandWorkflowsBenchmarks*'
  bench "$round" workflow-core Peers.WorkflowCore '*'
  bench "$round" ours-append Workflow.Benchmarks '*PeerAppendBenchmarks*'
  bench "$round" marten Peers.Marten '*'
  log "round $round: pgbench, 100-row transactions, 8 clients, ${pgbench_seconds} s"
  "$WORKFLOW_BENCH_POSTGRES_BIN/pgbench" -h "$host" -p "$port" -U postgres -n -M prepared -c 8 -j 2 \
    -T "$pgbench_seconds" -f "$pgbench_script" "$db" >"$out/$round/pgbench.txt" 2>&1
done

command_text=benchmarks/compare.sh
for variable in PGBENCH_SECONDS ITERATIONS WARMUP ROUNDS; do
  if [[ -n ${!variable:-} ]]; then command_text="$variable=${!variable} $command_text"; fi
done
# What compare.py needs besides the reports, kept with them so the summary can be made again from what is committed.
cat >"$out/run.json" <<JSON
{
  "generated": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "command": "$command_text",
  "rounds": $rounds,
  "job": "$job_text",
  "dotnet": "$(dotnet --version)",
  "postgres": "$("$WORKFLOW_BENCH_POSTGRES_BIN/postgres" --version | awk '{print $3}')"
}
JSON
python3 benchmarks/compare.py
log "wrote benchmarks/results/compare.json; regenerate docs/benchmarks.md from it: dotnet run --project benchmarks/Workflow.Report"
