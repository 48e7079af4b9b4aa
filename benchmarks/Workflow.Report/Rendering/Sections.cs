using System.Text;
using Workflow.Report.Inputs;
using static System.Globalization.CultureInfo;

namespace Workflow.Report.Rendering;

/// <summary>The generated blocks of the document, one per placeholder of the template. Every figure comes from a
/// results file; a block whose file is missing says how to produce it.</summary>
internal static partial class Sections
{
    public const string Regenerate = "dotnet run --project benchmarks/Workflow.Report";
    public const string HistoryType = "PostgresHistoryLengthBenchmarks";
    public const double HistoryTarget = 1.2;

    /// <summary>The p99 start-to-completion target at 1,000 workflows/s on PostgreSQL, in milliseconds (absolute).</summary>
    public const double LatencyTarget = 25;

    private const string PostgresScript = "benchmarks/postgres-figures.sh";
    private const string EngineScript = "benchmarks/engine-figures.sh";
    private const string CompareScript = "benchmarks/compare.sh";
    private const string ProfileCommands = "benchmarks/cpu-profile.sh`, `benchmarks/postgres-profile.sh` and `benchmarks/engine-figures.sh";

    /// <summary>The profiles, verbatim: where the time and the memory go.</summary>
    public static string Profiles(ResultSet results)
    {
        if (results.Profiles.Count == 0)
        {
            return $"_No profile yet: run `{ProfileCommands}`, then `{Regenerate}`._\n";
        }

        var text = new StringBuilder();
        foreach (var (file, content) in results.Profiles)
        {
            text.Append(InvariantCulture, $"`{file}`:\n\n```text\n{content}\n```\n\n");
        }

        return text.ToString();
    }

    public static string NotMeasured(string command) => $"_Not measured yet: run `{command}`, then `{Regenerate}`._\n";

    /// <summary>The targets with a verdict: the peers' measures and the history-length ratio.</summary>
    public static string Targets(ResultSet results)
    {
        var table = new MarkdownTable("target", ">measured", "met", "from");
        foreach (var measure in results.Peers?.Measures ?? [])
        {
            if (measure.Target is { Length: > 0 } target)
            {
                var measured = measure.TargetAbsolute is not null && measure.Ours is { } ours
                    ? Format.Number(ours.Value, Decimals(ours.Value)) + " " + measure.Unit
                    : measure.Ratio is { } ratio ? Format.Ratio(ratio) : "n/a";
                table.Add($"{measure.Title}: {target}", measured, Verdict(measure.Met), $"`{results.PeersFile}`");
            }
        }

        if (HistoryRatio(results) is { } history)
        {
            table.Add(
                $"PostgreSQL step commit, instance with 10,000 journal events against 10: <= {Format.Number(HistoryTarget, 1)}x",
                Format.Ratio(history.Ratio), Verdict(history.Ratio <= HistoryTarget), $"`{history.File}`");
        }

        var latency = results.LoadRuns.Where(r => r.Rate >= 1000 && r.Nodes == 2).OrderBy(r => r.Name, StringComparer.Ordinal).FirstOrDefault();
        if (latency is not null)
        {
            var sustained = latency.WorkflowsPerSecond >= 0.9 * latency.Rate;
            table.Add(
                $"PostgreSQL p99 start to completion at {Format.Number(latency.Rate)} workflows/s, 2 nodes: <= {Format.Number(LatencyTarget)} ms",
                sustained ? Format.Milliseconds(latency.P99Ms) : $"{Format.Milliseconds(latency.P99Ms)}, rate not sustained ({Format.Number(latency.WorkflowsPerSecond)}/s)",
                Verdict(sustained && latency.P99Ms <= LatencyTarget), $"`{results.Folder}/{latency.Name}.json`");
        }

        return table.Count == 0
            ? $"_No target measured yet: run `{CompareScript}` and `{PostgresScript}`, then `{Regenerate}`._\n"
            : table.ToString();
    }

    public static string Peers(ResultSet results)
    {
        if (results.Peers is not { } peers)
        {
            return NotMeasured(CompareScript);
        }

        var text = new StringBuilder();
        text.Append(InvariantCulture, $"Command: `{peers.Command ?? CompareScript}`");
        if (peers.Rounds is { } rounds)
        {
            text.Append(InvariantCulture, $", {Format.Number(rounds)} rounds");
        }

        if (peers.Job is { Length: > 0 } job)
        {
            text.Append(InvariantCulture, $" ({job})");
        }

        text.Append(InvariantCulture, $". Generated {peers.Generated ?? "at an unknown time"}; results: `{results.PeersFile}`.\n\n");
        text.Append(InvariantCulture, $"Machine: {Machine(peers.Machine)}.\n\n");
        var table = new MarkdownTable("measure", ">ours", ">peer or limit", ">ratio", "target", "met", ">allocated per operation (ours / peer)");
        var notes = new StringBuilder();
        foreach (var m in peers.Measures)
        {
            var direction = m.HigherIsBetter ? "higher is better" : "lower is better";
            table.Add(
                $"{m.Title} ({m.Unit}, {direction})",
                Figure(m.Ours),
                Figure(m.Peer),
                m.Ratio is { } ratio ? Format.Ratio(ratio) : "n/a",
                m.Target ?? "",
                Verdict(m.Met),
                $"{Allocation(m.Ours)} / {Allocation(m.Peer)}");
            var roundsText = string.Join("; ", new[] { m.Ours, m.Peer }
                .Where(f => f?.Rounds is { Count: > 0 })
                .Select(f => $"{f!.Name}: {string.Join(", ", f.Rounds!.Select(r => Format.Number(r, Decimals(r))))}"));
            if (roundsText.Length > 0)
            {
                notes.Append(InvariantCulture, $"- {m.Title}, each round: {roundsText}.\n");
            }

            foreach (var figure in new[] { m.Ours, m.Peer })
            {
                if (figure?.Note is { Length: > 0 } note)
                {
                    notes.Append(InvariantCulture, $"- {m.Title}, {figure.Name}: {note.TrimEnd('.')}.\n");
                }
            }
        }

        text.Append(table);
        if (notes.Length > 0)
        {
            text.Append('\n').Append(notes);
        }

        return text.ToString();
    }

    public static string InMemory(ResultSet results)
    {
        const string Type = "InMemoryWorkflowBenchmarks";
        if (results.Benchmark(Type) is not { } report)
        {
            return NotMeasured(EngineScript);
        }

        var text = new StringBuilder(BenchmarkBlock(report, results.Engine, Type, EngineScript));
        var derived = Derived();
        var three = report.Find("ThreeStepWorkflows");
        var one = report.Find("OneStepWorkflows");
        var twentyOne = report.Find("TwentyOneStepWorkflows");
        if (three is not null && Count(three, "Workflows") is { } n)
        {
            derived.Add("3-step workflows per second, start to completion", Format.Number(n / (three.MeanNs / 1e9)), $"{Format.Number(n)} / {Format.Time(three.MeanNs)}");
            derived.Add("bytes allocated per 3-step workflow", Format.Bytes(three.AllocatedBytes / n), $"{Format.Bytes(three.AllocatedBytes)} / {Format.Number(n)}");
        }

        if (one is not null && twentyOne is not null && Count(one, "Workflows") is { } w)
        {
            derived.Add("per-step overhead (time)", TimeDifference(twentyOne, one, 20.0 * w),
                $"({Format.Time(twentyOne.MeanNs)} - {Format.Time(one.MeanNs)}) / 20 steps / {Format.Number(w)}");
            derived.Add("per-step overhead (allocation)", Format.Bytes((twentyOne.AllocatedBytes - one.AllocatedBytes) / 20 / w),
                $"({Format.Bytes(twentyOne.AllocatedBytes)} - {Format.Bytes(one.AllocatedBytes)}) / 20 / {Format.Number(w)}");
        }

        return text.Append(DerivedBlock(derived)).ToString();
    }

    public static string AI(ResultSet results)
    {
        const string Type = "AIStepBenchmarks";
        if (results.Benchmark(Type) is not { } report)
        {
            return NotMeasured(EngineScript);
        }

        var text = new StringBuilder(BenchmarkBlock(report, results.Engine, Type, EngineScript));
        var derived = Derived();
        var plain = report.Find("PlainStepWorkflows");
        var runOnce = report.Find("RunOnceStepWorkflows");
        var prompt = report.Find("PromptStepWorkflows");
        if (plain is not null && Count(plain, "Calls") is { } n)
        {
            if (prompt is not null)
            {
                derived.Add("allocation a prompt step adds per model call", Format.Bytes((prompt.AllocatedBytes - plain.AllocatedBytes) / n),
                    $"({Format.Bytes(prompt.AllocatedBytes)} - {Format.Bytes(plain.AllocatedBytes)}) / {Format.Number(n)}");
            }

            if (runOnce is not null)
            {
                derived.Add("of which Core's journaling of a sub-result", Format.Bytes((runOnce.AllocatedBytes - plain.AllocatedBytes) / n),
                    $"({Format.Bytes(runOnce.AllocatedBytes)} - {Format.Bytes(plain.AllocatedBytes)}) / {Format.Number(n)}");
            }

            if (prompt is not null)
            {
                derived.Add("time a prompt step adds per model call", TimeDifference(prompt, plain, n),
                    $"({Format.Time(prompt.MeanNs)} - {Format.Time(plain.MeanNs)}) / {Format.Number(n)}");
            }
        }

        return text.Append(DerivedBlock(derived)).ToString();
    }

    public static string EventStore(ResultSet results)
    {
        const string Type = "PostgresEventStoreBenchmarks";
        if (results.Benchmark(Type) is not { } report)
        {
            return NotMeasured(PostgresScript);
        }

        var text = new StringBuilder(BenchmarkBlock(report, results.Postgres, Type, PostgresScript));
        var derived = Derived();
        if (report.Find("SingleEventAppends") is { } single && Count(single, "Events") is { } n)
        {
            derived.Add("single-event appends per second, one writer", $"{Format.Number(n / (single.MeanNs / 1e9))} (mean), {Format.Number(n / (single.MedianNs / 1e9))} (median)",
                $"{Format.Number(n)} / {Format.Time(single.MeanNs)}, {Format.Number(n)} / {Format.Time(single.MedianNs)}");
            derived.Add("bytes allocated per single-event append", Format.Bytes(single.AllocatedBytes / n), $"{Format.Bytes(single.AllocatedBytes)} / {Format.Number(n)}");
            if (report.Find("SingleEventAppendsEightWriters") is { } eight)
            {
                derived.Add("single-event appends per second, eight writers", Format.Number(n / (eight.MeanNs / 1e9)), $"{Format.Number(n)} / {Format.Time(eight.MeanNs)}");
            }

            if (report.Find("BatchAppend") is { } batch)
            {
                derived.Add("events per second appended in one batch", Format.Number(n / (batch.MeanNs / 1e9)),
                    $"{Format.Number(n)} / {Format.Time(batch.MeanNs)}: {Format.Number(single.MeanNs / batch.MeanNs, 0)} times the single-writer rate");
            }
        }

        if (report.Find("ReadAllPageOf1000") is { } read)
        {
            derived.Add("events per second read from the global order", Format.Number(1000 / (read.MeanNs / 1e9)), $"1,000 / {Format.Time(read.MeanNs)}");
        }

        return text.Append(DerivedBlock(derived)).ToString();
    }

    public static string Workflows(ResultSet results, string chart)
    {
        if (results.LoadRuns.Count == 0)
        {
            return NotMeasured(PostgresScript);
        }

        var text = new StringBuilder();
        var manifest = results.Postgres;
        text.Append(InvariantCulture, $"Command: `{manifest?.Command ?? PostgresScript}`");
        if (manifest?.DurationSeconds is { } seconds)
        {
            text.Append(InvariantCulture, $", {Format.Number(seconds)} s per measurement");
        }

        if (manifest?.NodeRounds is { } nodeRounds)
        {
            text.Append(InvariantCulture, $", {Format.Number(nodeRounds)} round(s) of 1, 2 and 3 nodes");
        }

        text.Append(InvariantCulture, $"; results: `{results.Folder}/*.json` and `{results.Folder}/{ResultSet.PgbenchFile}`");
        text.Append(manifest?.Started is { } started ? $", run started {started}.\n\n" : ".\n\n");
        text.Append(InvariantCulture, $"Machine: {Machine(manifest)}. Server: {results.LoadRuns[0].Server}");
        text.Append(manifest?.Server is { } server ? $"; {server}.\n\n" : ".\n\n");

        var runs = new MarkdownTable("run", ">nodes", ">rate (starts/s)", ">started / completed", ">workflows/s", ">p50", ">p95", ">p99",
            ">transactions / workflow", ">WAL flushes / workflow", ">WAL bytes / workflow", ">rows written / workflow");
        foreach (var run in OrderRuns(results.LoadRuns))
        {
            runs.Add(RunLabel(run), Format.Number(run.Nodes), run.Rate > 0 ? Format.Number(run.Rate) : "as fast as it goes",
                $"{Format.Number(run.Started)} / {Format.Number(run.Completed)}", Format.Number(run.WorkflowsPerSecond),
                Format.Milliseconds(run.P50Ms), Format.Milliseconds(run.P95Ms), Format.Milliseconds(run.P99Ms),
                Format.Number(run.CommitsPerWorkflow, 1), Format.Number(run.WalSyncsPerWorkflow, 2), Format.Number(run.WalBytesPerWorkflow),
                Format.Number(run.RowsWrittenPerWorkflow, 1));
        }

        text.Append(runs);
        var scaling = NodeScaling(results.LoadRuns);
        if (scaling.Count > 0)
        {
            text.Append(InvariantCulture, $"\n![Throughput against nodes]({chart})\n");
        }

        var derived = Derived();
        if (results.Pgbench is { } pgbench)
        {
            derived.Add($"pgbench, 100-row insert transactions, {Format.Number(pgbench.Clients)} clients (the machine's batched write limit)",
                $"{Format.Number(pgbench.TransactionsPerSecond)} tx/s = {Format.Number(pgbench.RowsPerSecond)} rows/s", $"`{ResultSet.PgbenchFile}`");
        }

        var first = scaling.FirstOrDefault(p => p.Nodes == 1)?.Median;
        foreach (var point in scaling)
        {
            var against = first is not null && point.Nodes != 1 ? $"; {Format.Ratio(point.Median.WorkflowsPerSecond / first.WorkflowsPerSecond)} of 1 node" : "";
            var rounds = point.Rounds.Count > 1
                ? $" (median of {Format.Number(point.Rounds.Count)} rounds: {string.Join(", ", point.Rounds.Select(r => Format.Number(r.WorkflowsPerSecond)))})"
                : "";
            derived.Add($"{Nodes(point.Nodes)}, as fast as {(point.Nodes == 1 ? "it goes" : "they go")}",
                $"{Format.Number(point.Median.WorkflowsPerSecond)} workflows/s{rounds}{against}",
                string.Join(", ", point.Rounds.Select(r => $"`{r.Name}.json`")));
        }

        if (first is not null)
        {
            var rows = first.WorkflowsPerSecond * first.RowsWrittenPerWorkflow;
            derived.Add("rows written per workflow, 1 node (the median round)", Format.Number(first.RowsWrittenPerWorkflow, 1), $"`{first.Name}.json`");
            if (results.Pgbench is { } limit)
            {
                derived.Add("durable rows/s, 1 node (the median round), against pgbench's 100-row rate", $"{Format.Number(rows)} rows/s: {Format.Percent(rows / limit.RowsPerSecond)}",
                    $"{Format.Number(first.WorkflowsPerSecond)} x {Format.Number(first.RowsWrittenPerWorkflow, 1)} / {Format.Number(limit.RowsPerSecond)}");
            }

            derived.Add("start to completion, as fast as it goes, 1 node (the median round)", $"p50 {Format.Milliseconds(first.P50Ms)}, p99 {Format.Milliseconds(first.P99Ms)}", $"`{first.Name}.json`");
            var deferred = results.LoadRuns.Where(r => r.Rate == 0 && r.Nodes == 1 && r.DeferCommits).OrderBy(r => r.Name, StringComparer.Ordinal).ToList();
            if (deferred.Count > 0)
            {
                var median = deferred.OrderBy(r => r.WorkflowsPerSecond).ElementAt(deferred.Count / 2);
                var deferredRows = median.WorkflowsPerSecond * median.RowsWrittenPerWorkflow;
                var share = results.Pgbench is { } ceiling ? $"; {Format.Number(deferredRows)} rows/s, {Format.Percent(deferredRows / ceiling.RowsPerSecond)} of pgbench's" : "";
                derived.Add("1 node, steps' completions deferred to the next commit (`StepOptions.DeferCommit`), as fast as it goes",
                    $"{Format.Number(median.WorkflowsPerSecond)} workflows/s (median of {Format.Number(deferred.Count)}: {string.Join(", ", deferred.Select(r => Format.Number(r.WorkflowsPerSecond)))}); {Format.Ratio(median.WorkflowsPerSecond / first.WorkflowsPerSecond)} of the default{share}; p50 {Format.Milliseconds(median.P50Ms)}, p99 {Format.Milliseconds(median.P99Ms)}",
                    string.Join(", ", deferred.Select(r => $"`{r.Name}.json`")));
            }
        }

        foreach (var run in OrderRuns(results.LoadRuns).Where(r => r.Rate > 0))
        {
            // A run that completed clearly less than it was asked to start did not sustain the rate: its latency includes a
            // backlog's wait.
            var sustained = run.WorkflowsPerSecond >= 0.9 * run.Rate;
            var value = sustained
                ? $"p50 {Format.Milliseconds(run.P50Ms)}, p95 {Format.Milliseconds(run.P95Ms)}, p99 {Format.Milliseconds(run.P99Ms)}"
                : $"not sustained ({Format.Number(run.WorkflowsPerSecond)} workflows/s completed): p50 {Format.Milliseconds(run.P50Ms)}, p95 {Format.Milliseconds(run.P95Ms)}, p99 {Format.Milliseconds(run.P99Ms)}";
            derived.Add($"start to completion at {Format.Number(run.Rate)} starts/s, {Nodes(run.Nodes)}", value, $"`{run.Name}.json`");
        }

        return text.Append(DerivedBlock(derived)).ToString();
    }

    public static string History(ResultSet results, string chart)
    {
        var report = results.Benchmark(HistoryType);
        if (results.History is null && report is null)
        {
            return NotMeasured(PostgresScript);
        }

        var text = new StringBuilder();
        if (results.History is { } run)
        {
            var manifest = results.Postgres;
            var arguments = manifest?.HistoryArguments ?? "--history 10,100,1000,10000";
            text.Append(InvariantCulture, $"**Interleaved run** (the target's measure). Command: `{manifest?.Command ?? PostgresScript}`, which runs\n\n```sh\n")
                .Append(InvariantCulture, $"dotnet run -c Release --project benchmarks/Workflow.LoadTest -- {arguments} --json {results.Folder}/{ResultSet.HistoryFile}\n```\n\n")
                .Append(InvariantCulture, $"Machine: {Machine(manifest)}. Server: {run.Server}. Results: `{results.Folder}/{ResultSet.HistoryFile}`");
            text.Append(manifest?.Started is { } started ? $", run started {started}.\n\n" : ".\n\n");
            text.Append(InvariantCulture, $"{Format.Number(run.Rounds)} rounds after a warm-up; each round commits one step to an instance of every length, in a shuffled order; {Format.Number(run.InstancesPerLength)} instances per length, put back at exactly their length between rounds.\n\n");
            var shortest = run.Lengths.OrderBy(l => l.History).FirstOrDefault();
            var table = new MarkdownTable(">journal events", ">commits", ">mean", ">p50", ">p95", ">p99", ">mean against the shortest", ">p50 against the shortest");
            foreach (var length in run.Lengths.OrderBy(l => l.History))
            {
                table.Add(Format.Number(length.History), Format.Number(length.Commits), Format.Milliseconds3(length.MeanMs), Format.Milliseconds3(length.P50Ms),
                    Format.Milliseconds3(length.P95Ms), Format.Milliseconds3(length.P99Ms),
                    Format.Ratio(length.MeanMs / shortest!.MeanMs), Format.Ratio(length.P50Ms / shortest.P50Ms));
            }

            text.Append(table).Append(InvariantCulture, $"\n![Step commit latency against history length]({chart})\n");
        }

        if (HistoryRatio(results) is { } ratio)
        {
            text.Append(InvariantCulture, $"\nStep commit at 10,000 journal events against 10: **{Format.Ratio(ratio.Ratio)}** on the means ")
                .Append(InvariantCulture, $"({Format.Ratio(ratio.MedianRatio)} on the medians); target <= {Format.Number(HistoryTarget, 1)}x: **{Verdict(ratio.Ratio <= HistoryTarget)}** (`{ratio.File}`).\n");
        }

        if (report is not null)
        {
            text.Append("\n**BenchmarkDotNet** (the same commit, and the journal load, with allocations; its cases run one after another, ")
                .Append("minutes apart, so on a shared machine their ratios carry the load's drift).\n\n")
                .Append(BenchmarkBlock(report, results.Postgres, HistoryType, PostgresScript));
            var points = HistoryPoints(report);
            var baseline = points.FirstOrDefault(p => p.History == 10)?.Commit;
            var table = new MarkdownTable(">journal events", ">step commit, mean", ">median", ">against 10 events (mean)", ">against 10 events (median)",
                ">journal load, mean", ">allocated per step commit");
            foreach (var point in points)
            {
                table.Add(Format.Number(point.History),
                    point.Commit is { } c ? Format.Time(c.MeanNs) : "n/a",
                    point.Commit is { } m ? Format.Time(m.MedianNs) : "n/a",
                    point.Commit is { } r && baseline is not null ? Format.Ratio(r.MeanNs / baseline.MeanNs) : "n/a",
                    point.Commit is { } d && baseline is not null ? Format.Ratio(d.MedianNs / baseline.MedianNs) : "n/a",
                    point.Load is { } l ? Format.Time(l.MeanNs) : "n/a",
                    point.Commit is { } a ? Format.Bytes(a.AllocatedBytes) : "n/a");
            }

            text.Append("\nBy history length:\n\n").Append(table);
            if (results.History is null && points.Count > 0)
            {
                text.Append(InvariantCulture, $"\n![Step commit latency against history length]({chart})\n");
            }
        }

        return text.ToString();
    }

    /// <summary>Whether a chart of latency against history length can be drawn.</summary>
    public static bool HasHistory(ResultSet results) =>
        results.History is { Lengths.Count: > 0 } || (results.Benchmark(HistoryType) is { } r && HistoryPoints(r).Any(p => p.Commit is not null));

    /// <summary>Step commit and journal load per history length, in increasing length.</summary>
    public static IReadOnlyList<HistoryPoint> HistoryPoints(BenchmarkReport report) =>
        [.. report.Cases
            .Select(c => Count(c, "History"))
            .OfType<int>()
            .Distinct()
            .Order()
            .Select(h => new HistoryPoint(h, report.Find("StepCommit", $"History={h}"), report.Find("LoadJournal", $"History={h}")))];

    private static string RunLabel(LoadRun run) => (run.BatchCommits, run.DeferCommits) switch
    {
        (true, false) => $"`{run.Name}`",
        (false, false) => $"`{run.Name}` (a transaction per commit)",
        (true, true) => $"`{run.Name}` (deferred step commits)",
        (false, true) => $"`{run.Name}` (a transaction per commit, deferred step commits)",
    };

    /// <summary>The runs as fast as they go on 1, 2, 3 ... nodes (<c>nodes-N.json</c>, or <c>nodes-N-rR.json</c> for
    /// round R), grouped by nodes: throughput against nodes.</summary>
    public static IReadOnlyList<NodePoint> NodeScaling(IReadOnlyList<LoadRun> runs) =>
        [.. runs.Where(r => r.Rate == 0 && NodeRun().IsMatch(r.Name) && NodeRun().Match(r.Name).Groups[1].Value == Format.Number(r.Nodes))
            .GroupBy(r => r.Nodes)
            .OrderBy(g => g.Key)
            .Select(g => new NodePoint(g.Key, [.. g.OrderBy(r => r.Name, StringComparer.Ordinal)]))];

    [System.Text.RegularExpressions.GeneratedRegex(@"^nodes-([0-9]+)(-r[0-9]+)?$")]
    private static partial System.Text.RegularExpressions.Regex NodeRun();

    /// <summary>The target's ratio: from the interleaved run when there is one (its lengths are measured in the same
    /// seconds), else from BenchmarkDotNet.</summary>
    private static (double Ratio, double MedianRatio, string File)? HistoryRatio(ResultSet results)
    {
        if (results.History is { } run)
        {
            var shortest = run.Lengths.FirstOrDefault(l => l.History == 10);
            var longest = run.Lengths.FirstOrDefault(l => l.History == 10_000);
            return shortest is null || longest is null
                ? null
                : (longest.MeanMs / shortest.MeanMs, longest.P50Ms / shortest.P50Ms, $"{results.Folder}/{ResultSet.HistoryFile}");
        }

        if (results.Benchmark(HistoryType) is not { } report
            || report.Find("StepCommit", "History=10") is not { } first
            || report.Find("StepCommit", "History=10000") is not { } last)
        {
            return null;
        }

        return (last.MeanNs / first.MeanNs, last.MedianNs / first.MedianNs, report.File);
    }

    private static IEnumerable<LoadRun> OrderRuns(IReadOnlyList<LoadRun> runs) =>
        runs.OrderBy(r => r.Rate).ThenBy(r => r.Nodes).ThenBy(r => r.Name, StringComparer.Ordinal);

    private static string BenchmarkBlock(BenchmarkReport report, RunManifest? manifest, string type, string script)
    {
        var text = new StringBuilder();
        var arguments = manifest?.BdnArguments.GetValueOrDefault(type);
        if (arguments is not null)
        {
            text.Append(InvariantCulture, $"Command: `{manifest!.Command}`, which runs\n\n```sh\n")
                .Append(InvariantCulture, $"dotnet run -c Release --project benchmarks/Workflow.Benchmarks -- --filter '*{type}*' --inProcess --exporters json {arguments}\n```\n\n");
        }
        else
        {
            text.Append(InvariantCulture, $"Command: not recorded (the export has no manifest of `{script}`).\n\n");
        }

        text.Append(InvariantCulture, $"Machine: {report.Host}");
        if (manifest?.Machine is { } machine)
        {
            text.Append(InvariantCulture, $"; {Format.Number(machine.MemoryGiB ?? double.NaN)} GiB");
            if (machine.Postgres is { Length: > 0 } postgres)
            {
                text.Append(InvariantCulture, $", PostgreSQL {postgres}");
            }

            if (machine.LoadAverage is { Length: > 0 } load)
            {
                text.Append(InvariantCulture, $"; load average {load} when the run started");
                if (manifest!.LoadAverageAtEnd is { Length: > 0 } end)
                {
                    text.Append(InvariantCulture, $", {end} when it ended");
                }
            }
        }

        text.Append(InvariantCulture, $". Results: `{report.File}`");
        text.Append(manifest?.Started is { } started ? $", run started {started}.\n\n" : ".\n\n");

        var parameters = report.Cases.Any(c => c.Parameters.Length > 0);
        var headers = new List<string> { "Method" };
        if (parameters)
        {
            headers.Add("Parameters");
        }

        headers.AddRange([">Mean", ">Error", ">StdDev", ">Median", ">Iterations", ">Allocated"]);
        var table = new MarkdownTable([.. headers]);
        foreach (var c in report.Cases)
        {
            var cells = new List<string> { c.Method };
            if (parameters)
            {
                cells.Add(c.Parameters.Replace("&", ", ", StringComparison.Ordinal));
            }

            cells.AddRange([Format.Time(c.MeanNs), Format.Time(c.ErrorNs), Format.Time(c.StdDevNs), Format.Time(c.MedianNs), Format.Number(c.Iterations), Format.Bytes(c.AllocatedBytes)]);
            table.Add([.. cells]);
        }

        return text.Append(table).ToString();
    }

    /// <summary>The difference of two means per unit, flagged when it is within their combined error (99.9 %
    /// confidence): then the machine's noise hides it.</summary>
    private static string TimeDifference(BenchmarkCase larger, BenchmarkCase smaller, double per)
    {
        var difference = (larger.MeanNs - smaller.MeanNs) / per;
        var error = Math.Sqrt((larger.ErrorNs * larger.ErrorNs) + (smaller.ErrorNs * smaller.ErrorNs)) / per;
        var text = Format.Time(difference);
        return double.IsFinite(error) && Math.Abs(difference) <= error
            ? $"{text}, within the error (± {Format.Time(error)}): not measurable in this run"
            : $"{text} (± {Format.Time(error)})";
    }

    private static MarkdownTable Derived() => new("measure", "value", "from");

    private static string DerivedBlock(MarkdownTable derived) => derived.Count == 0 ? "" : "\nWhat it means:\n\n" + derived;

    /// <summary>The value of an integer parameter of a case ("Workflows=1000").</summary>
    private static int? Count(BenchmarkCase c, string parameter)
    {
        foreach (var pair in c.Parameters.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2);
            if (parts.Length == 2 && parts[0] == parameter && int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }
        }

        return null;
    }

    private static string Machine(RunManifest? manifest) => Machine(manifest?.Machine, manifest?.LoadAverageAtEnd);

    private static string Machine(MachineInfo? machine, string? loadAtEnd = null)
    {
        if (machine is null)
        {
            return "not recorded";
        }

        var parts = new List<string>();
        AddIf(parts, machine.Os);
        AddIf(parts, machine.Cpu);
        if (machine.Cores is { } cores)
        {
            parts.Add($"{Format.Number(cores)} cores");
        }

        if (machine.MemoryGiB is { } memory)
        {
            parts.Add($"{Format.Number(memory)} GiB");
        }

        AddIf(parts, machine.Dotnet is { Length: > 0 } d ? ".NET SDK " + d : null);
        AddIf(parts, machine.Postgres is { Length: > 0 } p ? "PostgreSQL " + p : null);
        var text = string.Join(", ", parts);
        if (machine.LoadAverage is { Length: > 0 } load)
        {
            text += $"; load average {load} when the run started";
            if (loadAtEnd is { Length: > 0 })
            {
                text += $", {loadAtEnd} when it ended";
            }
        }

        return text;

        static void AddIf(List<string> parts, string? part)
        {
            if (!string.IsNullOrEmpty(part))
            {
                parts.Add(part);
            }
        }
    }

    private static string Figure(PeerFigure? figure) =>
        figure is null ? "n/a" : $"{Format.Number(figure.Value, Decimals(figure.Value))} ({figure.Name})";

    private static string Allocation(PeerFigure? figure) =>
        figure?.AllocatedBytesPerOp is { } bytes ? Format.Bytes(bytes) : "n/a";

    private static int Decimals(double value) => Math.Abs(value) >= 100 ? 0 : Math.Abs(value) >= 1 ? 1 : 3;

    private static string Verdict(bool? met) => met switch
    {
        true => "yes",
        false => "no",
        null => "n/a",
    };

    private static string Nodes(int n) => n == 1 ? "1 node" : $"{Format.Number(n)} nodes";
}

/// <summary>The measures of one history length.</summary>
internal sealed record HistoryPoint(int History, BenchmarkCase? Commit, BenchmarkCase? Load);

/// <summary>The rounds of one node count, as fast as they go.</summary>
internal sealed record NodePoint(int Nodes, IReadOnlyList<LoadRun> Rounds)
{
    /// <summary>The round with the median throughput (the lower middle one of an even count).</summary>
    public LoadRun Median => Rounds.OrderBy(r => r.WorkflowsPerSecond).ElementAt((Rounds.Count - 1) / 2);
}
