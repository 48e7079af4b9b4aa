#!/usr/bin/env bash
# Runs the whole test suite: ./test.sh [extra dotnet test arguments]
#
#   ./test.sh                                         # everything, Release
#   ./test.sh --project tests/Workflow.Postgres.Tests # one project
#   ./test.sh -- --filter-class '*ReadmeSnippet*'     # arguments after -- go to the test apps
#
# Unless WORKFLOW_TEST_POSTGRES is already set, a throwaway PostgreSQL server is started on a free
# port of 127.0.0.1 with its data in a temp dir, and it is stopped and deleted when the script
# ends, whatever the outcome (success, test failure, error, Ctrl-C).
#
# Exported for the tests:
#   WORKFLOW_TEST_POSTGRES      Npgsql connection string of the shared test database
#   WORKFLOW_TEST_POSTGRES_BIN  PostgreSQL server bin folder (tests that must stop or restart a
#                               server start their own private one with it)
#   WORKFLOW_TEST_POSTGRES_TMP  scratch folder for those private servers; any server still running
#                               in it when the script ends is stopped too
#   SNAPSHOOTER_STRICT_MODE     true when CI=true (a missing snapshot fails instead of being written)
#
# Exit code: the exit code of dotnet test (Microsoft.Testing.Platform: 0 ok, 2 failed tests,
# 8 a test app ran zero tests, e.g. because a filter matched nothing in that project; pass
# `-- --ignore-exit-code 8` to accept that).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

log() { printf '[test.sh] %s\n' "$*"; }
die() { printf '[test.sh] error: %s\n' "$*" >&2; exit 1; }

scratch_dir=""
pg_bin=""

# Runs a command as the OS user that owns the PostgreSQL servers: `postgres` when we are root
# (the server refuses to run as root), otherwise the current user.
as_pg_user() {
  if [[ $EUID -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Stops every server whose data dir lies under the scratch dir (the shared one and any private
# server a test left behind), then deletes the scratch dir. Safe to run more than once.
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [[ -n $scratch_dir && -d $scratch_dir ]]; then
    local pidfile datadir pid
    while IFS= read -r -d '' pidfile; do
      datadir=$(dirname "$pidfile")
      pid=$(head -n 1 "$pidfile" 2>/dev/null || true)
      log "stopping PostgreSQL in $datadir"
      if [[ -n $pg_bin && -x $pg_bin/pg_ctl ]]; then
        as_pg_user "$pg_bin/pg_ctl" -D "$datadir" -m immediate -w -t 60 stop >/dev/null 2>&1 || true
      fi
      # pg_ctl failed or was not found: end that postmaster by its own pid.
      if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
        kill -QUIT "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
      fi
    done < <(find "$scratch_dir" -name postmaster.pid -print0 2>/dev/null)
    rm -rf "$scratch_dir"
    log "removed $scratch_dir"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- 1. Find (or install) the PostgreSQL server binaries ---------------------------------------
find_pg_bin() {
  local dir
  if command -v pg_config >/dev/null 2>&1; then
    dir=$(pg_config --bindir 2>/dev/null || true)
    # pg_config may come from libpq-dev alone: only accept a folder that holds the server.
    if [[ -n $dir && -x $dir/initdb && -x $dir/pg_ctl && -x $dir/postgres ]]; then
      echo "$dir"; return 0
    fi
  fi
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [[ -x $dir/initdb && -x $dir/pg_ctl && -x $dir/postgres ]]; then
      echo "$dir"; return 0
    fi
  done
  return 1
}

install_postgres() {
  local sudo=()
  if [[ $EUID -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "PostgreSQL is not installed and sudo is unavailable; install the 'postgresql' package or set WORKFLOW_TEST_POSTGRES"
    sudo=(sudo)
  fi
  command -v apt-get >/dev/null 2>&1 || die "PostgreSQL is not installed and apt-get is unavailable; install PostgreSQL or set WORKFLOW_TEST_POSTGRES"
  log "installing PostgreSQL (apt-get install postgresql)"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql
  # The package may create and start its own 'main' cluster; we only need the binaries.
  if command -v pg_lsclusters >/dev/null 2>&1; then
    local version name _rest
    while read -r version name _rest; do
      log "stopping the cluster $version/$name that the package started"
      "${sudo[@]}" pg_ctlcluster "$version" "$name" stop || true
    done < <(pg_lsclusters --no-header 2>/dev/null | awk '$4 == "online"')
  fi
}

if [[ -n ${WORKFLOW_TEST_POSTGRES_BIN:-} ]]; then
  pg_bin=$WORKFLOW_TEST_POSTGRES_BIN
elif pg_bin=$(find_pg_bin); then
  :
elif [[ -z ${WORKFLOW_TEST_POSTGRES:-} ]]; then
  install_postgres
  pg_bin=$(find_pg_bin) || die "PostgreSQL was installed but its server binaries were not found"
else
  pg_bin=""
  log "WORKFLOW_TEST_POSTGRES is set but no PostgreSQL server binaries were found: tests needing a private server will skip (or fail when CI=true)"
fi

if [[ $EUID -eq 0 ]] && [[ -n $pg_bin ]] && ! id postgres >/dev/null 2>&1; then
  die "running as root, but there is no 'postgres' OS user to run the PostgreSQL server as"
fi

# --- 2. Scratch dir, owned by the user that runs the servers -----------------------------------
scratch_dir=$(mktemp -d "${TMPDIR:-/tmp}/workflow-test.XXXXXXXX")
mkdir -p "$scratch_dir/private"
if [[ $EUID -eq 0 ]] && id postgres >/dev/null 2>&1; then
  chown -R postgres: "$scratch_dir"
fi
chmod 700 "$scratch_dir"

if [[ -n $pg_bin ]]; then
  export WORKFLOW_TEST_POSTGRES_BIN=$pg_bin
  export WORKFLOW_TEST_POSTGRES_TMP=$scratch_dir/private
fi

# --- 3. Start the shared throwaway server ------------------------------------------------------
# True when nothing accepts TCP connections on 127.0.0.1:$1.
port_is_free() {
  if command -v ss >/dev/null 2>&1 && ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; then
    return 1
  fi
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pick_free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 40000))
    if port_is_free "$port"; then echo "$port"; return 0; fi
  done
  return 1
}

if [[ -z ${WORKFLOW_TEST_POSTGRES:-} ]]; then
  data_dir=$scratch_dir/shared
  log "PostgreSQL binaries: $pg_bin ($("$pg_bin/postgres" --version))"
  log "initdb in $data_dir"
  as_pg_user "$pg_bin/initdb" -D "$data_dir" -U postgres --auth=trust --encoding=UTF8 --no-sync >"$scratch_dir/initdb.log" 2>&1 \
    || { cat "$scratch_dir/initdb.log" >&2; die "initdb failed"; }

  # The shared server is throwaway, so fsync=off: durability tests use a private server (PostgresServer).
  # The free-port check can race with another process, so a failed start is retried on a new port.
  started=false
  for attempt in 1 2 3 4 5; do
    port=$(pick_free_port) || die "no free TCP port found on 127.0.0.1"
    log "starting PostgreSQL on 127.0.0.1:$port (attempt $attempt)"
    if as_pg_user "$pg_bin/pg_ctl" -D "$data_dir" -l "$scratch_dir/shared.log" -w -t 60 \
        -o "-p $port -k '$scratch_dir' -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null; then
      started=true
      break
    fi
  done
  if [[ $started != true ]]; then
    tail -n 30 "$scratch_dir/shared.log" >&2 || true
    die "PostgreSQL did not start"
  fi

  "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U postgres workflow_test
  export WORKFLOW_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=workflow_test"
  log "database ready: $WORKFLOW_TEST_POSTGRES"
else
  log "using the database from WORKFLOW_TEST_POSTGRES"
fi

if [[ ${CI:-} == true ]]; then
  export SNAPSHOOTER_STRICT_MODE=true
fi

# --- 4. Tests ----------------------------------------------------------------------------------
# The whole solution, unless the arguments name a project or solution themselves.
target=(--solution Workflow.sln)
for arg in "$@"; do
  case $arg in
    --project|--project=*|--solution|--solution=*) target=() ;;
    --) break ;;
  esac
done
log "dotnet test ${target[*]} -c Release $*"
test_status=0
dotnet test "${target[@]}" -c Release "$@" || test_status=$?
if [[ $test_status -eq 0 ]]; then
  log "tests passed"
else
  log "tests failed (dotnet test exit code $test_status)"
fi

# --- 5. Benchmark smoke run --------------------------------------------------------------------
# Every benchmark once, in process: proves they still execute (it measures nothing), ours and the
# peers' (benchmarks/compare.sh runs them against each other); then the check that
# docs/benchmarks.md is what benchmarks/results produce. Only on a full run whose tests passed; a run
# narrowed with arguments skips it.
if [[ $test_status -eq 0 && $# -eq 0 ]]; then
  for project in Workflow.Benchmarks Peers.AgentFramework Peers.WorkflowCore Peers.Marten; do
    [[ $test_status -eq 0 ]] || break
    log "benchmark smoke run: $project"
    if dotnet run -c Release --project "benchmarks/$project" -- --filter '*' --smoke >"$scratch_dir/$project.log" 2>&1; then
      log "benchmarks executed: $project"
    else
      test_status=$?
      tail -n 40 "$scratch_dir/$project.log" >&2
      log "benchmark smoke run failed: $project (exit code $test_status)"
    fi
  done
  # docs/benchmarks.md is generated from benchmarks/results: it must be what the committed results produce.
  if [[ $test_status -eq 0 ]]; then
    if dotnet run -c Release --project benchmarks/Workflow.Report -- --check >"$scratch_dir/report.log" 2>&1; then
      log "benchmark report matches its results"
    else
      test_status=$?
      cat "$scratch_dir/report.log" >&2
      log "benchmark report check failed (exit code $test_status)"
    fi
  fi
fi

# --- 6. Load tool smoke run --------------------------------------------------------------------
# A 2-second run with one node process against the test database: the tool still works end to end.
if [[ $test_status -eq 0 && $# -eq 0 ]]; then
  log "load tool smoke run"
  if WORKFLOW_LOADTEST_POSTGRES=$WORKFLOW_TEST_POSTGRES \
      dotnet run -c Release --project benchmarks/Workflow.LoadTest -- --smoke >"$scratch_dir/loadtest.log" 2>&1; then
    log "load tool executed: $(grep -m1 'started / completed' "$scratch_dir/loadtest.log" | tr -s ' ')"
  else
    test_status=$?
    tail -n 40 "$scratch_dir/loadtest.log" >&2
    log "load tool smoke run failed (exit code $test_status)"
  fi
fi

exit "$test_status"
