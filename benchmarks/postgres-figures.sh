#!/usr/bin/env bash
# Measures the PostgreSQL figures of docs/benchmarks.md in one run, on one throwaway server with production durability:
# pgbench's 100-row-transaction insert rate (the machine's limit for batched writes), then durable 3-step workflows
# with the load tool on 1 and 2 node processes as fast as they go, and at fixed rates (200 and 1,000 starts/s) for latency.
# Results land in benchmarks/results/ (JSON from the load tool, text from pgbench).
#
#   benchmarks/postgres-figures.sh            # 20 s per measurement
#   DURATION=60 benchmarks/postgres-figures.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ -z ${WORKFLOW_BENCH_POSTGRES:-} ]]; then
  exec benchmarks/with-postgres.sh "$0" "$@"
fi

duration=${DURATION:-20}
out=benchmarks/results
mkdir -p "$out"
dotnet build -c Release benchmarks/Workflow.LoadTest >/dev/null

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
load nodes-1
load nodes-2 --nodes 2
load rate-200-nodes-2 --nodes 2 --rate 200
load rate-1000-nodes-2 --nodes 2 --rate 1000

tps=$(grep -Eo 'tps = [0-9.]+' "$out/pgbench-100-rows.txt" | head -n 1 | awk '{print $3}')
echo "[figures] pgbench 100-row transactions: $tps tx/s = $(awk -v t="$tps" 'BEGIN{printf "%.0f", t*100}') rows/s" >&2
