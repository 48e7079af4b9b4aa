#!/usr/bin/env bash
# Where a durable workflow's database time goes: runs the load tool against a throwaway durable server with
# pg_stat_statements loaded, then lists the statements by total execution time, with calls and time per workflow.
# Output: benchmarks/results/profile-postgres-statements-nodes-N.txt (shown in docs/benchmarks.md).
#
#   benchmarks/postgres-profile.sh                 # 1 node, 15 s
#   NODES=2 DURATION=30 benchmarks/postgres-profile.sh
#   LOAD_ARGS="--in-flight 1" benchmarks/postgres-profile.sh   # any other load-tool arguments
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ -z ${WORKFLOW_BENCH_POSTGRES:-} ]]; then
  export WORKFLOW_BENCH_SERVER_OPTIONS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all"
  exec benchmarks/with-postgres.sh "$0" "$@"
fi

nodes=${NODES:-1}
duration=${DURATION:-15}
out=benchmarks/results/profile-postgres-statements-nodes-$nodes.txt
host=$(sed -E 's/.*Host=([^;]+).*/\1/' <<<"$WORKFLOW_BENCH_POSTGRES")
port=$(sed -E 's/.*Port=([^;]+).*/\1/' <<<"$WORKFLOW_BENCH_POSTGRES")
db=$(sed -E 's/.*Database=([^;]+).*/\1/' <<<"$WORKFLOW_BENCH_POSTGRES")
psql_cmd=("$WORKFLOW_BENCH_POSTGRES_BIN/psql" -h "$host" -p "$port" -U postgres -d "$db" -q)

"${psql_cmd[@]}" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
dotnet build -c Release benchmarks/Workflow.LoadTest >/dev/null
json=$(mktemp)
"${psql_cmd[@]}" -c "SELECT pg_stat_statements_reset()" >/dev/null
dotnet run -c Release --no-build --project benchmarks/Workflow.LoadTest -- --nodes "$nodes" --duration "$duration" ${LOAD_ARGS:-} --keep --json "$json" 2>/dev/null \
  | tr '\r' '\n' | grep -v '^ *[0-9.]* s  started'
rm -f "$json"
# Every workflow the statements served, the load tool's unmeasured warm-up included.
schema=$("${psql_cmd[@]}" -At -c "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'loadtest_%' ORDER BY nspname DESC LIMIT 1")
completed=$("${psql_cmd[@]}" -At -c "SELECT count(*) FROM \"$schema\".streams WHERE status = 2")
"${psql_cmd[@]}" -c "DROP SCHEMA \"$schema\" CASCADE" >/dev/null

{
  echo "# benchmarks/postgres-profile.sh: NODES=$nodes DURATION=$duration (after the load tool's warm-up), $completed workflows completed in all"
  echo "# statements by total server time; calls and milliseconds per completed workflow"
  "${psql_cmd[@]}" -P pager=off -c "
    SELECT round((total_exec_time / $completed)::numeric, 3) AS ms_per_wf,
           round((calls::numeric / $completed), 2) AS calls_per_wf,
           round((total_exec_time / greatest(calls, 1))::numeric, 3) AS ms_per_call,
           left(regexp_replace(query, '\s+', ' ', 'g'), 110) AS statement
      FROM pg_stat_statements
     WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
     ORDER BY total_exec_time DESC
     LIMIT 25"
} | tee "$out"
