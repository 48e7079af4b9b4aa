using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Workflow.Client;
using Workflow.Postgres.Storage;

namespace Workflow.LoadTest;

/// <summary>Starts the node processes, starts workflows for the run's duration, waits for them and reports.</summary>
internal sealed class Coordinator(LoadOptions options)
{
    private static readonly TimeSpan Cap = TimeSpan.FromSeconds(120);

    private readonly string _schema = "loadtest_" + Guid.NewGuid().ToString("N")[..12];
    private long _started;
    private long _completed;

    // Instances created from this time on are measured (the warm-up's are not).
    private DateTimeOffset _measureFrom = DateTimeOffset.MinValue;

    public async Task<int> RunAsync()
    {
        await using var dataSource = NpgsqlDataSource.Create(options.ConnectionString);
        var settings = await ServerSettingsAsync(dataSource).ConfigureAwait(false);
        await using (var store = new PostgresWorkflowStore(dataSource, new PostgresWorkflowStoreOptions { Schema = _schema }))
        {
            await store.MigrateAsync().ConfigureAwait(false);
        }

        var nodes = new List<Process>();
        try
        {
            for (var i = 0; i < options.Nodes; i++)
            {
                nodes.Add(StartNode(i));
            }

            foreach (var node in nodes)
            {
                await WaitReadyAsync(node).ConfigureAwait(false);
            }

            await Console.Error.WriteLineAsync($"{options.Nodes} node(s) ready; schema {_schema}; {settings}").ConfigureAwait(false);
            var result = await MeasureAsync(dataSource, settings).ConfigureAwait(false);
            Report(result);
            return result.Completed == result.Started ? 0 : 1;
        }
        finally
        {
            await StopNodesAsync(nodes).ConfigureAwait(false);
            if (!options.Keep)
            {
                await using var drop = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE");
                await drop.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<LoadResult> MeasureAsync(NpgsqlDataSource dataSource, string settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Services.AddWorkflows(o => o.RunWorker = false)
            .UsePostgres(dataSource, o => o.Schema = _schema)
            .AddWorkflow(LoadWorkflow.Definition);
        using var host = builder.Build();
        await host.StartAsync().ConfigureAwait(false);
        var client = host.Services.GetRequiredService<IWorkflowClient>();

        if (options.Warmup > TimeSpan.Zero)
        {
            // Unmeasured: the nodes open their connections (each new one compiles the commit function on its first
            // call), the JIT reaches its optimized code, the server's caches fill.
            await Console.Error.WriteLineAsync($"warm-up: {options.Warmup.TotalSeconds:F0} s, not measured").ConfigureAwait(false);
            await RunPhaseAsync(client, dataSource, options.Warmup).ConfigureAwait(false);
            Interlocked.Exchange(ref _started, 0);
            Interlocked.Exchange(ref _completed, 0);
        }

        _measureFrom = DateTimeOffset.UtcNow;
        var before = await PgStats.ReadAsync(dataSource, _schema).ConfigureAwait(false);
        var startedIn = await RunPhaseAsync(client, dataSource, options.Duration).ConfigureAwait(false);
        await host.StopAsync().ConfigureAwait(false);

        // Statistics reach the cumulative views within a second of each transaction.
        await Task.Delay(TimeSpan.FromSeconds(1.5)).ConfigureAwait(false);
        var after = await PgStats.ReadAsync(dataSource, _schema).ConfigureAwait(false);
        return await SummarizeAsync(dataSource, after - before, startedIn, settings).ConfigureAwait(false);
    }

    /// <summary>Starts workflows for <paramref name="duration"/> and waits for them; returns how long the starts took.</summary>
    private async Task<TimeSpan> RunPhaseAsync(IWorkflowClient client, NpgsqlDataSource dataSource, TimeSpan duration)
    {
        using var stop = new CancellationTokenSource();
        var progress = Task.Run(() => ProgressAsync(dataSource, stop.Token));
        var clock = Stopwatch.StartNew();
        var starters = Enumerable.Range(0, 8).Select(s => Task.Run(() => StartLoopAsync(client, s, 8, clock, duration))).ToArray();
        await Task.WhenAll(starters).ConfigureAwait(false);
        var startedIn = clock.Elapsed;

        // Bounded wait for the stragglers: reaching the cap means the nodes stopped making progress.
        var waited = Stopwatch.StartNew();
        while (Interlocked.Read(ref _completed) < Interlocked.Read(ref _started) && waited.Elapsed < Cap)
        {
            await Task.Delay(50).ConfigureAwait(false);
        }

        await stop.CancelAsync().ConfigureAwait(false);
        await progress.ConfigureAwait(false);
        await Console.Error.WriteLineAsync().ConfigureAwait(false);
        return startedIn;
    }

    private async Task StartLoopAsync(IWorkflowClient client, int starter, int starters, Stopwatch clock, TimeSpan duration)
    {
        var perStarterRate = options.Rate / starters;
        long mine = 0;
        while (clock.Elapsed < duration)
        {
            if (options.Rate > 0)
            {
                // A fixed rate: each starter keeps its share of the schedule.
                var due = (long)(clock.Elapsed.TotalSeconds * perStarterRate);
                if (mine >= due)
                {
                    await Task.Delay(1).ConfigureAwait(false);
                    continue;
                }
            }
            else if (Interlocked.Read(ref _started) - Interlocked.Read(ref _completed) >= options.InFlight)
            {
                await Task.Delay(1).ConfigureAwait(false);
                continue;
            }

            await client.StartAsync(LoadWorkflow.Definition, starter).ConfigureAwait(false);
            mine++;
            Interlocked.Increment(ref _started);
        }
    }

    private async Task ProgressAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            while (true)
            {
                await using (var count = dataSource.CreateCommand($"SELECT count(*) FROM \"{_schema}\".streams WHERE status = 2 AND created_at >= $1"))
                {
                    count.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = _measureFrom });
                    Interlocked.Exchange(ref _completed, (long)(await count.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false))!);
                }

                var completed = Interlocked.Read(ref _completed);
                await Console.Error.WriteAsync(string.Create(CultureInfo.InvariantCulture,
                    $"\r{clock.Elapsed.TotalSeconds,6:F1} s  started {Interlocked.Read(ref _started),8}  completed {completed,8}  {completed / clock.Elapsed.TotalSeconds,8:F0}/s   ")).ConfigureAwait(false);
                await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<LoadResult> SummarizeAsync(NpgsqlDataSource dataSource, PgStats delta, TimeSpan startedIn, string settings)
    {
        // Start-to-completion per instance, from the times the runtime recorded (one machine, one clock).
        await using var command = dataSource.CreateCommand($"""
            SELECT count(*),
                   extract(epoch FROM max(completed_at) - min(created_at))::float8,
                   percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - created_at))
              FROM "{_schema}".streams WHERE status = 2 AND created_at >= $1
            """);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = _measureFrom });
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        await reader.ReadAsync().ConfigureAwait(false);
        var completed = reader.GetInt64(0);
        var span = await reader.IsDBNullAsync(1).ConfigureAwait(false) ? 0 : reader.GetDouble(1);
        var percentiles = await reader.IsDBNullAsync(2).ConfigureAwait(false) ? [0, 0, 0] : await reader.GetFieldValueAsync<double[]>(2).ConfigureAwait(false);
        var started = Interlocked.Read(ref _started);
        return new LoadResult
        {
            Nodes = options.Nodes,
            Rate = options.Rate,
            BatchCommits = options.BatchCommits,
            DeferCommits = options.DeferCommits,
            DurationSeconds = startedIn.TotalSeconds,
            WarmupSeconds = options.Warmup.TotalSeconds,
            Started = started,
            Completed = completed,
            WorkflowsPerSecond = span > 0 ? completed / span : 0,
            P50Ms = percentiles[0] * 1000,
            P95Ms = percentiles[1] * 1000,
            P99Ms = percentiles[2] * 1000,
            CommitsPerWorkflow = completed > 0 ? (double)delta.Commits / completed : 0,
            WalSyncsPerWorkflow = completed > 0 ? (double)delta.WalSyncs / completed : 0,
            WalBytesPerWorkflow = completed > 0 ? (double)delta.WalBytes / completed : 0,
            RowsWrittenPerWorkflow = completed > 0 ? (double)delta.RowsWritten / completed : 0,
            Server = settings,
        };
    }

    private void Report(LoadResult result)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            nodes                      {result.Nodes}
            rate                       {(result.Rate > 0 ? $"{result.Rate:F0}/s" : "as fast as possible")}
            commits                    {(result.BatchCommits ? "grouped (the store's default)" : "one transaction each")}
            step completions           {(result.DeferCommits ? "deferred to the next commit (StepOptions.DeferCommit)" : "each committed before the next step (the default)")}
            started / completed        {result.Started} / {result.Completed}
            workflows per second       {result.WorkflowsPerSecond:F0}
            start to completion        p50 {result.P50Ms:F1} ms, p95 {result.P95Ms:F1} ms, p99 {result.P99Ms:F1} ms
            per workflow               {result.CommitsPerWorkflow:F2} transactions, {result.WalSyncsPerWorkflow:F2} WAL flushes, {result.WalBytesPerWorkflow:F0} WAL bytes, {result.RowsWrittenPerWorkflow:F1} rows written
            server                     {result.Server}
            """));
        if (options.JsonPath is { } path)
        {
            File.WriteAllText(path, JsonSerializer.Serialize(result, LoadResultContext.Default.LoadResult));
        }
    }

    internal static async Task<string> ServerSettingsAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT current_setting('server_version') || ', fsync=' || current_setting('fsync') || ', synchronous_commit=' || current_setting('synchronous_commit')");
        return (string)(await command.ExecuteScalarAsync().ConfigureAwait(false))!;
    }

    private Process StartNode(int index)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this process is unknown.");
        var start = new ProcessStartInfo(self)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (string.Equals(Path.GetFileNameWithoutExtension(self), "dotnet", StringComparison.Ordinal))
        {
            start.ArgumentList.Add(typeof(Coordinator).Assembly.Location);
        }

        foreach (var argument in new[] { "node", _schema, $"node-{index}", options.Concurrency.ToString(CultureInfo.InvariantCulture), options.BatchCommits ? "batch" : "single", options.DeferCommits ? "defer" : "each" })
        {
            start.ArgumentList.Add(argument);
        }

        // The connection string goes by environment, not on a command line anyone can list.
        start.Environment["WORKFLOW_LOADTEST_POSTGRES"] = options.ConnectionString;
        var process = Process.Start(start) ?? throw new InvalidOperationException("A node process did not start.");
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                Console.Error.WriteLine($"[node-{index}] {line}");
            }
        };
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitReadyAsync(Process node)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var line = await node.StandardOutput.ReadLineAsync(timeout.Token).ConfigureAwait(false);
        if (line != "ready")
        {
            throw new InvalidOperationException($"A node process exited or printed '{line}' instead of starting.");
        }
    }

    private static async Task StopNodesAsync(List<Process> nodes)
    {
        foreach (var node in nodes)
        {
            try
            {
                node.StandardInput.Close();
            }
            catch (IOException)
            {
                // Already gone.
            }
        }

        foreach (var node in nodes)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await node.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                node.Kill(entireProcessTree: true);
            }

            node.Dispose();
        }
    }
}
