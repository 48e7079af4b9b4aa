"""The maths of benchmarks/compare.sh: reads the BenchmarkDotNet JSON reports of every round under
benchmarks/results/peers (and the run's run.json) and writes benchmarks/results/compare.json (per round: the median of
the measured iterations; value: the median over the rounds; ratio: ours / peer when higher is better, peer / ours
otherwise). Run from the repository root; `python3 benchmarks/compare.py` alone summarizes the kept reports again."""

import glob
import json
import os
import re
import statistics

OUT = "benchmarks/results/peers"
with open(f"{OUT}/run.json", encoding="utf-8") as run_file:
    RUN = json.load(run_file)
ROUNDS = int(RUN["rounds"])
RESULT = "benchmarks/results/compare.json"


def reports(round_, run):
    benches = []
    for path in sorted(glob.glob(f"{OUT}/{round_}/{run}/results/*.json")):
        with open(path, encoding="utf-8") as f:
            benches += json.load(f)["Benchmarks"]
    if not benches:
        raise SystemExit(f"no BenchmarkDotNet JSON report under {OUT}/{round_}/{run}")
    return benches


def bench(round_, run, method, **params):
    for b in reports(round_, run):
        found = dict(kv.split("=", 1) for kv in (b.get("Parameters") or "").split("&") if kv)
        if b["Method"] == method and all(found.get(k) == str(v) for k, v in params.items()):
            return b
    raise SystemExit(f"{method} {params} not found in round {round_}, {run}")


def side(name, run, method, per_op, **params):
    """Items/s per round (per_op items per operation) and allocated bytes per item."""
    rates, allocated = [], []
    for r in range(1, ROUNDS + 1):
        b = bench(r, run, method, **params)
        rates.append(per_op * 1e9 / b["Statistics"]["Median"])
        allocated.append(b["Memory"]["BytesAllocatedPerOperation"] / per_op)
    return {
        "name": name,
        "value": round(statistics.median(rates), 1),
        "rounds": [round(x, 1) for x in rates],
        "allocatedBytesPerOp": round(statistics.median(allocated)),
    }


def measure(id_, title, unit, ours, peer, target_ratio, higher_is_better=True):
    ratio = None
    if ours and peer and ours["value"] and peer["value"]:
        ratio = ours["value"] / peer["value"] if higher_is_better else peer["value"] / ours["value"]
    return {
        "id": id_,
        "title": title,
        "unit": unit,
        "higherIsBetter": higher_is_better,
        "ours": ours,
        "peer": peer,
        "ratio": None if ratio is None else round(ratio, 2),
        "target": None if target_ratio is None else f">= {target_ratio:g}x",
        "targetRatio": target_ratio,
        "met": None if target_ratio is None or ratio is None else ratio >= target_ratio,
    }


def journal_events():
    with open(f"{OUT}/1/ours-single.log", encoding="utf-8") as f:
        found = re.search(r"journal events per 3-step workflow: (\d+)", f.read())
    return int(found.group(1)) if found else None


def machine():
    def first(path, pattern):
        try:
            with open(path, encoding="utf-8") as f:
                found = re.search(pattern, f.read(), re.M)
            return found.group(1).strip() if found else None
        except OSError:
            return None

    memory_kib = first("/proc/meminfo", r"^MemTotal:\s+(\d+)")
    return {
        "os": first("/etc/os-release", r'^PRETTY_NAME="?([^"\n]+)"?'),
        "cpu": first("/proc/cpuinfo", r"^model name\s*:\s*(.+)$"),
        "cores": os.cpu_count(),
        "memoryGiB": round(int(memory_kib) / 1024 / 1024) if memory_kib else None,
        "dotnet": RUN.get("dotnet"),
        "postgres": RUN.get("postgres"),
    }


def main():
    events = journal_events()
    events_note = f"{events} journal events per workflow" if events is not None else None

    ours_single = side("Workflow, in-memory store", "ours-single", "ThreeStepWorkflow", 1)
    ours_single["note"] = events_note
    af = side("Agent Framework 1.28, no checkpoints", "agent-framework", "ThreeStepRun", 1)
    af_checkpoints = side("Agent Framework 1.28, in-memory checkpoints", "agent-framework-checkpoints", "ThreeStepRunInMemoryCheckpoints", 1)

    allocated_rounds = []
    for r in range(1, ROUNDS + 1):
        allocated_rounds.append(bench(r, "ours-single", "ThreeStepWorkflow")["Memory"]["BytesAllocatedPerOperation"])
    af_allocated_rounds = [bench(r, "agent-framework", "ThreeStepRun")["Memory"]["BytesAllocatedPerOperation"] for r in range(1, ROUNDS + 1)]
    ours_allocated = {
        "name": "Workflow, in-memory store",
        "value": round(statistics.median(allocated_rounds)),
        "rounds": allocated_rounds,
        "note": (events_note + "; " if events_note else "") + "process-wide allocations per workflow, the runtime's threads included",
    }
    af_allocated = {
        "name": "Agent Framework 1.28, no checkpoints",
        "value": round(statistics.median(af_allocated_rounds)),
        "rounds": af_allocated_rounds,
        "note": f"{af_checkpoints['allocatedBytesPerOp']} bytes per run with in-memory checkpoints",
    }
    allocated = measure("inmemory-allocated", "Bytes allocated per 3-step workflow, in-memory journaled vs Agent Framework",
                        "bytes/workflow", ours_allocated, af_allocated, None, higher_is_better=False)
    allocated["target"] = "<= 2048 bytes"
    allocated["targetAbsolute"] = 2048
    allocated["met"] = ours_allocated["value"] <= 2048

    ours_10k = side("Workflow, in-memory store", "ours-10000", "ThreeStepWorkflows", 10_000, Workflows=10_000)
    ours_10k["note"] = "10,000 workflows started at once per operation, defaults" + (f"; {events_note}" if events_note else "")
    wfc = side("Workflow Core 3.22, in-memory persistence, tuned", "workflow-core", "ThreeStepWorkflows", 10_000, Workflows=10_000, Settings="tuned")
    wfc_default = side("Workflow Core 3.22, defaults", "workflow-core", "ThreeStepWorkflows", 10_000, Workflows=10_000, Settings="default")
    wfc["note"] = (f"index consumer, event consumer and polling off, idle time 1 ms, tuned concurrency; "
                   f"out of the box: {wfc_default['value']:.0f} workflows/s")

    appends = []
    for id_, method, title, target in [
        ("append-vs-marten-1-writer", "SingleEventAppends", "Single-event appends/s, 1 writer, vs Marten quick append", 2.0),
        ("append-vs-marten-8-writers", "SingleEventAppendsEightWriters", "Single-event appends/s, 8 writers, vs Marten quick append", 2.0),
        ("append-batch10-vs-marten", "BatchOfTenAppends", "Events/s appended in batches of 10, 1 writer, vs Marten quick append", None),
    ]:
        ours = side("Workflow PostgreSQL event store", "ours-append", method, 120, Events=120)
        marten = side("Marten 9.58, quick append", "marten", method, 120, Events=120)
        ours["note"] = "each append a new stream; defaults, on Marten's connection settings (no connection reset)"
        marten["note"] = "each append a new stream; prepared statements (auto-prepare), no connection reset, lightweight sessions"
        appends.append(measure(id_, title, "events/s", ours, marten, target))

    pgbench_rounds = []
    for r in range(1, ROUNDS + 1):
        with open(f"{OUT}/{r}/pgbench.txt", encoding="utf-8") as f:
            tps = float(re.search(r"tps = ([0-9.]+)", f.read()).group(1))
        pgbench_rounds.append(round(tps * 100, 1))
    pgbench = {
        "name": "pgbench, 8 clients, 100-row insert transactions",
        "value": round(statistics.median(pgbench_rounds), 1),
        "rounds": pgbench_rounds,
        "note": "rows/s = transactions/s x 100, same server as the other measures",
    }
    ours_rows = None
    node_files = sorted(glob.glob("benchmarks/results/nodes-2-r*.json")) or sorted(glob.glob("benchmarks/results/nodes-2.json"))
    try:
        node_runs = []
        for path in node_files:
            with open(path, encoding="utf-8") as f:
                node_runs.append(json.load(f))
        if node_runs:
            rows = [n["WorkflowsPerSecond"] * n["RowsWrittenPerWorkflow"] for n in node_runs]
            ours_rows = {
                "name": "Workflow durable journal, load tool, 2 nodes",
                "value": round(statistics.median(rows), 1),
                "rounds": [round(x, 1) for x in rows],
                "note": ("rows/s = workflows/s x rows written per workflow, from "
                         + ", ".join(f"benchmarks/results/{os.path.basename(p)}" for p in node_files)
                         + " (benchmarks/postgres-figures.sh: a separate run on its own server, not the same minutes)"),
            }
    except (OSError, KeyError, ValueError):
        ours_rows = None
    pg = measure("pgbench-100-row-transactions", "Rows/s: the machine's limit for batched durable inserts (pgbench) and our durable journal",
                 "rows/s", ours_rows, pgbench, 0.4)
    pg["target"] = ">= 40 % of pgbench's rows/s (2 nodes)"
    pg["note"] = ("pgbench is the ceiling for batched durable writes on this machine; ours is durable 3-step workflows' journal rows "
                  "(one commit per step), so the ratio is how much of that ceiling the journal uses"
                  if ours_rows else "no load tool results (benchmarks/results/nodes-2-r*.json) found: only the pgbench figure")

    result = {
        "generated": RUN["generated"],
        "command": RUN["command"],
        "machine": machine(),
        "rounds": ROUNDS,
        "job": RUN["job"],
        "measures": [
            measure("inmemory-vs-af-checkpoints",
                    "In-memory journaled 3-step workflows/s vs Agent Framework with in-memory checkpoints",
                    "workflows/s", ours_single, af_checkpoints, 10.0),
            measure("inmemory-vs-af", "In-memory journaled 3-step workflows/s vs Agent Framework without checkpoints",
                    "workflows/s", ours_single, af, 3.0),
            measure("inmemory-vs-workflowcore",
                    "In-memory journaled 3-step workflows/s, 10,000 at once, vs Workflow Core at its best settings",
                    "workflows/s", ours_10k, wfc, 20.0),
            allocated,
            *appends,
            pg,
        ],
    }
    with open(RESULT, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    for m in result["measures"]:
        ours_value = m["ours"]["value"] if m["ours"] else None
        print(f"{m['id']:32} ours {ours_value}  peer {m['peer']['value']}  ratio {m['ratio']}  target {m['target']}  met {m['met']}")


if __name__ == "__main__":
    main()
