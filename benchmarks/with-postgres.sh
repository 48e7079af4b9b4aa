#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL with production durability (fsync=on, synchronous_commit=on),
# started on 127.0.0.1 and a free port, data in a temp dir, stopped and removed afterwards (also on failure).
# The command finds the connection string in WORKFLOW_LOADTEST_POSTGRES (and WORKFLOW_BENCH_POSTGRES).
# WORKFLOW_BENCH_SERVER_OPTIONS adds server settings (e.g. "-c shared_preload_libraries=pg_stat_statements").
#
#   benchmarks/with-postgres.sh dotnet run -c Release --project benchmarks/Workflow.LoadTest -- --nodes 2
set -euo pipefail

log() { printf '[with-postgres] %s\n' "$*" >&2; }

pg_bin=$(pg_config --bindir 2>/dev/null || true)
if [[ -z $pg_bin || ! -x $pg_bin/postgres ]]; then
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
fi
[[ -x ${pg_bin:-}/postgres ]] || { log "PostgreSQL server binaries not found (apt-get install -y postgresql)"; exit 1; }

as_pg_user() { if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

scratch=$(mktemp -d /tmp/workflow-bench.XXXXXXXX)
[[ $EUID -eq 0 ]] && chown postgres "$scratch"
cleanup() {
  as_pg_user "$pg_bin/pg_ctl" -D "$scratch/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  rm -rf "$scratch"
}
trap cleanup EXIT INT TERM

as_pg_user "$pg_bin/initdb" -D "$scratch/data" -U postgres --auth=trust --encoding=UTF8 >"$scratch/initdb.log" 2>&1 \
  || { cat "$scratch/initdb.log" >&2; exit 1; }
for attempt in 1 2 3 4 5; do
  port=$((20000 + RANDOM % 40000))
  if as_pg_user "$pg_bin/pg_ctl" -D "$scratch/data" -l "$scratch/server.log" -w -t 60 \
      -o "-p $port -k '$scratch' -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=512MB ${WORKFLOW_BENCH_SERVER_OPTIONS:-}" start >/dev/null; then
    break
  fi
  [[ $attempt -eq 5 ]] && { tail -n 30 "$scratch/server.log" >&2; exit 1; }
done
"$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U postgres workflow_bench
export WORKFLOW_LOADTEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=workflow_bench;Maximum Pool Size=100"
export WORKFLOW_BENCH_POSTGRES=$WORKFLOW_LOADTEST_POSTGRES
export WORKFLOW_BENCH_POSTGRES_BIN=$pg_bin
log "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (fsync=on, synchronous_commit=on)"
"$@"
